#!/usr/bin/env bash
# Snapshot archives against restic and borg (Debian's), one run: 30 snapshots of one database, each
# after 1% of its pages changed (as many random row updates as 1% of the pages), kept by sqlrsync
# (--archive), by restic and by borg (each with its defaults, backing up a checkpointed copy of the same
# state), and the size of 30 full copies. Then: the time to add a snapshot of a 1% change against a
# plain sync of the same change, and of an unchanged one against an identical sync; restoring snapshot
# 15 to a new file (against a new replica, restic restore, borg extract) and into a replica one snapshot
# away (against a 1% sync); pruning 30 to 7 (against restic forget --prune, borg prune + compact), with
# du before and after; snapshot 30's bytes against its changed pages compressed (zlib); and the peak
# memory of the native sqlrsync adding and restoring.
# KIND is random (compare.sh's database: rows of 1,000 random bytes, which do not compress) or text
# (rows of repetitive text, which do). Prints markdown.
# Usage: bench/archive-bench.sh [random|text] [SIZE_MIB] [WORK_DIR]   (needs restic, borgbackup; ~5x SIZE free)
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-random}"
size_mib="${2:-1024}"
work="${3:-/tmp/sqlrsync-bench}/archive-$kind-$size_mib"
snapshots=30
native=$(./scripts/build-native.sh 2>/dev/null)
command -v restic >/dev/null && command -v borg >/dev/null || { echo "needs restic and borgbackup (apt-get install restic borgbackup)" >&2; exit 2; }
rm -rf "$work"; mkdir -p "$work"
origin="$work/origin.db"
rows=$(( size_mib * 1024 ))
if [[ $kind == random ]]; then
  body="randomblob(1000)"
else
  # About 1,000 bytes of text a row, from a few hundred distinct words: compresses like ordinary table data.
  body="printf('%d|order %d for customer %d|%s|%s|status %s|note: %s', abs(random()) % 100000, abs(random()) % 1000000,
    abs(random()) % 5000, date('2020-01-01', '+' || (abs(random()) % 2000) || ' days'), substr('alpha beta gamma delta epsilon', 1 +
    abs(random()) % 20, 12), substr('pending shipped returned cancelled', 1 + abs(random()) % 25, 9),
    substr(replace(hex(zeroblob(470)), '00', 'the quick brown fox jumps over the lazy dog '), 1 + abs(random()) % 40, 900))"
fi
sqlite3 "$origin" "PRAGMA journal_mode=wal; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < $rows) INSERT INTO t(v) SELECT $body FROM c;" >/dev/null
pages=$(sqlite3 "$origin" "PRAGMA page_count")
changes=$(( pages / 100 ))
change() { sqlite3 "$origin" "UPDATE t SET v = $body WHERE id IN (SELECT abs(random()) % $rows + 1 FROM t LIMIT $changes)"; }
checkpoint() { sqlite3 "$origin" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; }
timed() { /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1; tail -1 "$work/time"; }
seconds() { cut -d' ' -f1 <<<"$1"; }
mib() { echo "$(cut -d' ' -f2 <<<"$1") / 1024" | bc -l | xargs printf '%.1f'; }
du_bytes() { du -sb "$1" | cut -f1; }
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
n() { printf "%'d" "$1"; }

export RESTIC_PASSWORD=bench RESTIC_REPOSITORY="$work/restic" BORG_REPO="$work/borg" BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
restic init -q
borg init -e none
archive="$work/archive"
replica="$work/replica.db"
state="$work/state/origin.db"
mkdir -p "$work/state"
add_times=() sync_times=() restic_times=() borg_times=() add_rss=()
for i in $(seq 1 $snapshots); do
  (( i == 1 )) || change
  checkpoint
  # The plain sync of the same change, into a replica one state behind, then the archive's add.
  sync_times+=("$(seconds "$(timed "$native" "$origin" "$replica" -q)")")
  out=$(timed "$native" "$origin" "$archive" --archive -q)
  add_times+=("$(seconds "$out")"); add_rss+=("$(mib "$out")")
  cp "$origin" "$state"
  restic_times+=("$(seconds "$(cd "$work/state" && timed restic backup -q origin.db)")")
  borg_times+=("$(seconds "$(cd "$work/state" && timed borg create "::s$i" origin.db)")")
  (( i != 15 )) || cp "$origin" "$work/state-15.db"
  (( i != 29 )) || cp "$origin" "$work/state-29.db"
done
# An unchanged snapshot, against an identical sync.
identical=$(seconds "$(timed "$native" "$origin" "$replica" -q)")
before=$(du_bytes "$archive")
unchanged=$(seconds "$(timed "$native" "$origin" "$archive" -q)")
unchanged_bytes=$(( $(du_bytes "$archive") - before ))
listed=$("$native" --list "$archive" --json)
field() { python3 -c "import json,sys; s=json.load(sys.stdin)['snapshots']; print($1)" <<<"$listed"; }
first_bytes=$(field "s[0]['bytes_added']")
rest_bytes=$(field "sum(x['bytes_added'] for x in s[1:$snapshots])")
rest_pages=$(field "sum(x['pages_added'] for x in s[1:$snapshots])")
id15=$(field "s[14]['id']"); id29=$(field "s[28]['id']"); id30=$(field "s[29]['id']")
size_archive=$(du_bytes "$archive"); size_restic=$(du_bytes "$work/restic"); size_borg=$(du_bytes "$work/borg")
full_copies=$(( $(stat -c %s "$origin") * snapshots ))

# Restores of snapshot 15 to a new file, and a new replica of the origin as the sync's own figure.
rm -f "$work/new.db"*; sync
new_replica=$(seconds "$(timed "$native" "$origin" "$work/new.db" -q)")
rm -f "$work/restored.db"*; sync
restore_out=$(timed "$native" "$archive" "$work/restored.db" --at "$id15" -q)
cmp -s "$work/restored.db" "$work/state-15.db" || echo "warning: snapshot 15 restored other bytes than its state" >&2
rm -rf "$work/restic-out"; sync
restic_restore=$(seconds "$(timed restic restore "$(restic snapshots --json | python3 -c "import json,sys; print(json.load(sys.stdin)[14]['id'])")" --target "$work/restic-out")")
rm -rf "$work/borg-out"; mkdir -p "$work/borg-out"; sync
borg_restore=$(seconds "$(cd "$work/borg-out" && timed borg extract ::s15)")
# Into a replica one snapshot away (29 -> 30), against a 1% sync (the replica at state 29 -> the origin).
"$native" "$archive" "$work/restored.db" --at "$id29" -q
cp "$work/restored.db" "$work/at-29.db"; cp "$work/restored.db-sqlrsync" "$work/at-29.db-sqlrsync"; sync
one_away=$(seconds "$(timed "$native" "$archive" "$work/restored.db" --at "$id30" -q)")
cp "$work/at-29.db" "$work/sync-29.db"; rm -f "$work/sync-29.db-sqlrsync"
"$native" "$work/at-29.db" "$work/sync-29.db" -q --force; sync
one_percent_sync=$(seconds "$(timed "$native" "$origin" "$work/sync-29.db" -q)")

# Snapshot 30's bytes against its changed pages (state 29 -> 30) compressed one by one and all together (zlib 6).
read -r changed_pages per_page together < <(python3 - "$work/at-29.db" "$origin" <<'PY'
import sys, zlib
old, new, pages = open(sys.argv[1], 'rb'), open(sys.argv[2], 'rb'), []
while (page := new.read(4096)):
    if old.read(4096) != page:
        pages.append(page)
print(len(pages), sum(len(zlib.compress(page, 6)) for page in pages), len(zlib.compress(b''.join(pages), 6)))
PY
)
bytes30=$(field "s[29]['bytes_added']")
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }

# Peak private memory (RssAnon, sampled every 20 ms) of the native sqlrsync, each case run once more.
private_peak() {
  "$@" >/dev/null 2>&1 & local pid=$! peak=0 kb
  while kb=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && [[ -n $kb ]]; do
    (( kb > peak )) && peak=$kb
    sleep 0.02
  done
  wait "$pid"
  echo "$peak / 1024" | bc -l | xargs printf '%.1f'
}
mem_first=$(rm -rf "$work/memory-archive"; private_peak "$native" "$origin" "$work/memory-archive" --archive -q)
mem_unchanged=$(private_peak "$native" "$origin" "$work/memory-archive" -q)
change; checkpoint
mem_add=$(private_peak "$native" "$origin" "$work/memory-archive" -q)
mem_restore=$(rm -f "$work/memory.db"*; private_peak "$native" "$work/memory-archive" "$work/memory.db" --at "$(
  "$native" --list "$work/memory-archive" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['snapshots'][0]['id'])")" -q)
mem_one_away=$(private_peak "$native" "$work/memory-archive" "$work/memory.db" -q)
mem_sync=$(private_peak "$native" "$origin" "$work/sync-29.db" -q)

# Prune from 31 snapshots (30 and the unchanged one) to 7.
prune=$(seconds "$(timed "$native" --prune "$archive" --keep-last 7 -q)")
restic_prune=$(seconds "$(timed restic forget -q --keep-last 7 --prune)")
borg_prune=$(seconds "$(timed sh -c 'borg prune --keep-last 7 && borg compact')")
"$native" --verify "$archive" -q

echo "## $kind rows, $size_mib MiB ($pages pages of 4 KiB, $changes row updates per snapshot), $snapshots snapshots, $(date -u +%F)"
echo
echo "| figure | sqlrsync archive | restic $(restic version | cut -d' ' -f2) | borg $(borg --version | cut -d' ' -f2) | reference |"
echo "|---|---|---|---|---|"
echo "| size after $snapshots snapshots | $(n "$size_archive") | $(n "$size_restic") | $(n "$size_borg") | 30 full copies: $(n "$full_copies") |"
echo "| first snapshot / the 29 others added | $(n "$first_bytes") / $(n "$rest_bytes") ($(n "$rest_pages") pages, $(n $(( rest_pages * 4096 ))) bytes raw) | | | |"
echo "| adding a 1% change, median | $(median "${add_times[@]:1}") s | $(median "${restic_times[@]:1}") s | $(median "${borg_times[@]:1}") s | plain sync of it: $(median "${sync_times[@]:1}") s |"
echo "| first snapshot | ${add_times[0]} s | ${restic_times[0]} s | ${borg_times[0]} s | new replica: ${sync_times[0]} s |"
echo "| unchanged snapshot | $unchanged s, $(n "$unchanged_bytes") bytes added | | | identical sync: $identical s |"
echo "| restore snapshot 15 to a new file | $(seconds "$restore_out") s, $(mib "$restore_out") MiB resident | $restic_restore s | $borg_restore s | new replica: $new_replica s |"
echo "| restore into a replica one snapshot away | $one_away s | | | 1% sync: $one_percent_sync s |"
echo "| prune to the last 7 | $prune s, $(n "$(du_bytes "$archive")") bytes left | $restic_prune s, $(n "$(du_bytes "$work/restic")") left | $borg_prune s, $(n "$(du_bytes "$work/borg")") left | |"
echo "| snapshot 30: bytes added / its $(n "$changed_pages") changed pages compressed one by one / all together | $(n "$bytes30") / $(n "$per_page") ($(ratio "$bytes30" "$per_page")x) / $(n "$together") ($(ratio "$bytes30" "$together")x) | | | |"
echo "| peak resident memory adding (native, with the origin's mapped pages) | $(median "${add_rss[@]}") MiB median, $(printf '%s\n' "${add_rss[@]}" | sort -n | tail -1) MiB most | | | |"
echo "| peak private memory (native): first snapshot / unchanged / 1% / restore to a new file / one snapshot away | $mem_first / $mem_unchanged / $mem_add / $mem_restore / $mem_one_away MiB | | | a 1% sync: $mem_sync MiB |"
