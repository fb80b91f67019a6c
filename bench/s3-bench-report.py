#!/usr/bin/env python3
"""Markdown from bench/s3-bench.sh's results directory: NAME.json (what a run asked of the server, from
bench/swift-server.py requests) and NAME.time (bench/peak.py: seconds, peak RSS KiB, peak private KiB, exit code).
Usage: s3-bench-report.py RESULTS SIZE_MIB PAGES CHANGES DAYS ROUNDS IDLE_SECONDS RESTIC_VERSION COMMIT ELAPSED
"""
import datetime
import json
import os
import statistics
import sys
import urllib.parse

results, size_mib, pages, changes, days, rounds, idle_seconds, restic_version, commit, elapsed = sys.argv[1:]
pages, changes, days, rounds = int(pages), int(changes), int(days), int(rounds)
PACK = 8 << 20  # an archive's pack holds at most 8 MiB (docs/archive.md, "Packs")
METHODS = ("GET", "HEAD", "PUT", "LIST", "DELETE", "POST")


def load(name):
    with open(f"{results}/{name}.json") as f:
        return json.load(f)


def timing(name):
    with open(f"{results}/{name}.time") as f:
        seconds, rss, private, _ = f.read().split()
    return float(seconds), int(rss) / 1024, int(private) / 1024


def total(names):
    summed = {key: 0 for key in ("requests", *METHODS, "received", "sent")}
    for name in names:
        for key, value in load(name).items():
            if key in summed:
                summed[key] += value
    return summed


def n(value):
    return f"{value:,}"


def methods(r):
    return " / ".join(n(r[m]) for m in METHODS)


def brief(line):
    """"GET /sqlrsync/app/packs/50/ID 206" as "GET packs/ (206)", a listing as "LIST snapshots/"."""
    method, path, status = line.split(" ")
    if "prefix=" in path:
        return "LIST " + urllib.parse.unquote(path.split("prefix=")[1].split("&")[0]).split("/", 1)[1]
    key = path.split("/", 3)[3]
    return f"{method} {key.split('/')[0] + '/' if '/' in key else key}{' (206)' if status == '206' else ''}"


def briefly(paths):
    """The requests in order, a run of the same one said once with its count: "GET index/ x9"."""
    runs = []
    for line in map(brief, paths):
        if runs and runs[-1][0] == line:
            runs[-1][1] += 1
        else:
            runs.append([line, 1])
    return ", ".join(line if count == 1 else f"{line} x{count}" for line, count in runs)


def median(values):
    middle = statistics.median(values)
    return int(middle) if middle == int(middle) else middle


with open(f"{results}/list.json") as f:
    snapshots = json.load(f)["snapshots"]
with open(f"{results}/stored-before-days") as f:
    before = [int(x) for x in f.read().split()]
with open(f"{results}/stored-after-days") as f:
    after = [int(x) for x in f.read().split()]
with open(f"{results}/uptime") as f:
    load_average = f.read().strip().split("load average:")[1].strip()

out = []
p = out.append
finished = datetime.datetime.fromtimestamp(os.path.getmtime(f"{results}/uptime"), datetime.timezone.utc)
p(f"Run of {finished:%Y-%m-%d %H:%M} UTC at commit {commit}, {elapsed} s in all (load average at the "
  f"end: {load_average}); {size_mib} MiB of text rows ({n(pages)} pages of 4 KiB), a 1% change is {n(changes)} random row updates; "
  f"restic {restic_version} (its local cache on, as by default). Requests are the clients' own S3 requests as Swift's proxy logged "
  f"them (LIST: a GET of a bucket; POST: multipart or multi-delete); bytes are request and response bodies, headers not counted.")
p("")

# (a)
p(f"| (a) one snapshot | tool | requests | GET / HEAD / PUT / LIST / DELETE / POST | bytes up | bytes down | seconds |")
p("|---|---|---|---|---|---|---|")
rows = [("first", ["s-first"], ["r-init", "r-first"]), ("unchanged", ["s-unchanged"], ["r-unchanged"]), ("1% change (day 1)", ["s-day1"], ["r-day1"])]
for label, ours, theirs in rows:
    for tool, names in (("sqlrsync", ours), (f"restic{' init + backup' if len(theirs) > 1 else ''}", theirs)):
        r = total(names)
        seconds = sum(timing(name)[0] for name in names)
        p(f"| {label} | {tool} | {n(r['requests'])} | {methods(r)} | {n(r['received'])} | {n(r['sent'])} | {seconds:.2f} |")
p("")

unchanged = load("s-unchanged")
day1 = load("s-day1")
day1_snapshot = snapshots[2]
changed_bytes = day1_snapshot["pages_added"] * 4096
p("Goals for (a), sqlrsync:")
p(f"- an unchanged snapshot at most 3 requests: {unchanged['requests']} ({briefly(unchanged['paths'])}).")
p(f"- a 1% change at most 2 + changed bytes / pack size PUTs: {day1['PUT']} PUTs against 2 + {n(changed_bytes)} / {n(PACK)} = "
  f"{2 + changed_bytes / PACK:.2f} ({day1_snapshot['pages_added']:,} pages added, {n(day1_snapshot['bytes_added'])} bytes stored); "
  f"LISTs on the add: {day1['LIST']}; its {day1['requests']} requests: {briefly(day1['paths'])}.")
idle, commit = load("idle"), load("commit")
p(f"- an idle database, zero requests between snapshots: `--watch --snapshot-every 1s` of an 8 MiB database, idle for {idle_seconds} s: "
  f"{idle['requests']} requests; the snapshot after one commit: {commit['requests']} ({methods(commit)}).")
p("")

# (b)
day_names = [f"day{d}" for d in range(1, days + 1)]
ours, theirs = total([f"s-{d}" for d in day_names]), total([f"r-{d}" for d in day_names])
p(f"| (b) {days} daily snapshots, each after a 1% change | sqlrsync | restic {restic_version} |")
p("|---|---|---|")
p(f"| requests | {n(ours['requests'])} | {n(theirs['requests'])} |")
p(f"| GET / HEAD / PUT / LIST / DELETE / POST | {methods(ours)} | {methods(theirs)} |")
p(f"| requests per snapshot, median | {median(load(f's-{d}')['requests'] for d in day_names)} | "
  f"{median(load(f'r-{d}')['requests'] for d in day_names)} |")
p(f"| bytes uploaded (request bodies) | {n(ours['received'])} | {n(theirs['received'])} |")
p(f"| bytes downloaded (response bodies) | {n(ours['sent'])} | {n(theirs['sent'])} |")
p(f"| bytes stored by these {days} | {n(after[0] - before[0])} | {n(after[1] - before[1])} |")
p(f"| bytes stored in all (first, unchanged and {days} days) | {n(after[0])} | {n(after[1])} |")
p(f"| seconds per snapshot, median | {median(timing(f's-{d}')[0] for d in day_names):.2f} | "
  f"{median(timing(f'r-{d}')[0] for d in day_names):.2f} |")
p("")

# (c)
size = int(size_mib) << 20
p(f"| (c) restore of the newest state ({size_mib} MiB), {rounds} rounds in rotating order | median s | runs (s) | MiB/s of the database | "
  f"requests (GET / HEAD / LIST) | most in flight | bytes down |")
p("|---|---|---|---|---|---|---|")
medians = {}
for key, label in (("restore-sqlrsync", "sqlrsync to a new file (http)"), ("get-http", "one GET of one object as large (http)"),
                   ("restore-restic", f"restic restore (https)"), ("get-https", "one GET of one object as large (https)")):
    names = [f"{key}-{r}" for r in range(1, rounds + 1)]
    times = [timing(name)[0] for name in names]
    medians[key] = median(times)
    last = load(names[-1])
    p(f"| {label} | {medians[key]:.2f} | {' / '.join(f'{t:.2f}' for t in times)} | {size / (1 << 20) / medians[key]:.0f} | "
      f"{n(last['requests'])} ({last['GET']} / {last['HEAD']} / {last['LIST']}) | {last['most_in_flight']} | {n(last['sent'])} |")
p("")
p(f"sqlrsync's restore reaches {medians['get-http'] / medians['restore-sqlrsync']:.0%} of the single GET's throughput "
  f"(goal: at least 80%); restic's {medians['get-https'] / medians['restore-restic']:.0%} of the same GET over https; "
  f"sqlrsync's restore takes {medians['restore-sqlrsync'] / medians['restore-restic']:.2f}x restic's.")
p("")

# (d)
p("| (d) sqlrsync add | snapshots in the bucket before | peak RSS (MiB) | peak private (MiB) | seconds | requests (GETs) | bytes down |")
p("|---|---|---|---|---|---|---|")
for name, label, count in (("s-unchanged", "unchanged", 1), ("s-unchanged-last", "unchanged", days + 2), ("s-day1", "1% change", 2),
                           (f"s-day{days}", "1% change", days + 1)):
    seconds, rss, private = timing(name)
    r = load(name)
    p(f"| {label} | {count} | {rss:.1f} | {private:.1f} | {seconds:.2f} | {r['requests']} ({r['GET']}) | {n(r['sent'])} |")
rss_days = [timing(f"s-{d}")[1] for d in day_names]
private_days = [timing(f"s-{d}")[2] for d in day_names]
p(f"| every 1% change, days 1-{days}: least / median / most | 2-{days + 1} | {min(rss_days):.1f} / {median(rss_days):.1f} / "
  f"{max(rss_days):.1f} | {min(private_days):.1f} / {median(private_days):.1f} / {max(private_days):.1f} | | | |")
print("\n".join(out))
