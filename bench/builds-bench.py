#!/usr/bin/env python3
"""Two builds of sqlrsync against each other in one run, alternated, for a build setting's cost in time on a
noisy shared machine: `--version` (whole processes, the spawn included, in batches of 50) and local syncs
of a WAL database of SIZE_MIB (compare.sh's rows of 1,000 random bytes): identical, 1% of pages
changed, and that change under --check (no commit: the reading and hashing alone). Before each sync the
replica is put back and written to disk (`sync`). Each round runs A then B, the next B then A; printed
are the medians of wall time, the median of the rounds' B/A ratios, and the median CPU time (user +
system, from wait4), which the machine's other load disturbs less than wall time.
Usage: bench/builds-bench.py A_BINARY B_BINARY [ROUNDS] [SIZE_MIB] [WORK_DIR]
       (defaults 41 rounds, 256 MiB, /tmp/sqlrsync-bench/builds)
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

builds = {"A": sys.argv[1], "B": sys.argv[2]}
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 41
size_mib = int(sys.argv[4]) if len(sys.argv) > 4 else 256
work = sys.argv[5] if len(sys.argv) > 5 else "/tmp/sqlrsync-bench/builds"
os.makedirs(work, exist_ok=True)
origin, changed, saved, replica = (f"{work}/{name}.db" for name in ("origin", "changed", "saved", "replica"))


def sqlite(path, sql):
    return subprocess.run(["sqlite3", path, sql], check=True, capture_output=True, text=True).stdout.strip()


def clear_replica():
    for suffix in ("", "-wal", "-shm", "-journal", "-sqlrsync"):
        if os.path.exists(replica + suffix):
            os.remove(replica + suffix)


def restore_replica():
    clear_replica()
    shutil.copy(saved, replica)
    shutil.copy(saved + "-sqlrsync", replica + "-sqlrsync")
    os.sync()


def run(command, expected_exit=0):
    """Wall seconds and CPU seconds of one whole process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != expected_exit:
        sys.exit(f"{' '.join(command)} exited {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime


def version(binary):
    batch = [run([binary, "--version"]) for _ in range(50)]
    return statistics.median(w for w, _ in batch), statistics.median(c for _, c in batch)


cases = {
    "--version (median of a batch of 50)": (None, version),
    "local, identical": (restore_replica, lambda binary: run([binary, saved, replica, "-q"])),
    "local, 1% of pages changed": (restore_replica, lambda binary: run([binary, changed, replica, "-q"])),
    "--check, 1% of pages changed": (None, lambda binary: run([binary, changed, saved, "--check", "-q"], 3)),
}

if not os.path.exists(origin):
    sqlite(origin, f"""PRAGMA journal_mode=wal; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
        WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < {size_mib * 1024})
        INSERT INTO t(v) SELECT randomblob(1000) FROM c;""")
clear_replica()
run([builds["A"], origin, replica, "-q"])
shutil.copy(replica, saved)
shutil.copy(replica + "-sqlrsync", saved + "-sqlrsync")
shutil.copy(origin, changed)
# As compare.sh: rows sit four to a page, so as many row updates as 1% of the pages change about 1% of them.
rows, pages = size_mib * 1024, int(sqlite(changed, "PRAGMA page_count"))
sqlite(changed, f"UPDATE t SET v = randomblob(1000) WHERE id IN (SELECT abs(random()) % {rows} + 1 FROM t LIMIT {pages // 100})")

results = {(case, name): [] for case in cases for name in builds}
for round_number in range(rounds):
    order = ["A", "B"] if round_number % 2 == 0 else ["B", "A"]
    for case, (prepare, measure) in cases.items():
        for name in order:
            if prepare:
                prepare()
            results[(case, name)].append(measure(builds[name]))

print(f"{size_mib} MiB, {pages} pages, {pages // 100} rows changed; {rounds} rounds alternated; A = {builds['A']}, B = {builds['B']}")
print()
print("| case | A: wall median (min-max), CPU median | B: wall median (min-max), CPU median | B/A wall: medians, paired | B/A CPU |")
print("|---|---|---|---|---|")
for case in cases:
    cells, walls, cpus = [], {}, {}
    for name in builds:
        walls[name] = [w for w, _ in results[(case, name)]]
        cpus[name] = statistics.median(c for _, c in results[(case, name)])
        cells.append(f"{statistics.median(walls[name]) * 1000:.1f} ms ({min(walls[name]) * 1000:.1f}-{max(walls[name]) * 1000:.1f}), "
                     f"{cpus[name] * 1000:.1f} ms")
    paired = statistics.median(b / a for a, b in zip(walls["A"], walls["B"]))
    medians = statistics.median(walls["B"]) / statistics.median(walls["A"])
    print(f"| {case} | {cells[0]} | {cells[1]} | {medians:.3f}, {paired:.3f} | {cpus['B'] / cpus['A']:.3f} |")
shutil.rmtree(work)
