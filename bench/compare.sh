#!/usr/bin/env bash
# sqlrsync against sqlite3_rsync (its default protocol 2 and --protocol 1) and the machine's limits, on
# one database in one run, so that the ratios hold on a noisy machine. Every time is a whole process,
# best of 3; before each run of a case the replica is put back to the same state. Cases: a new replica
# (limit: cp + fsync of the file), an identical replica (limits: one scan of sqlite_dbpage in C,
# bench/dbpage-scan.c, and xxh128sum of the file), 1% of pages changed (as many random row updates as
# 1% of the pages; limit: that scan, and SQLite's own durable commit of the same change, which a
# sync must also make), and that change pushed over ssh to 127.0.0.1; then the bytes of that ssh
# push, sent and both ways. The database, WORK_DIR/origin-SIZE.db (1,024 rows of 1,000 random
# bytes per MiB of SIZE_MIB), is made here if missing; the other bench scripts use it too. sqlrsync is
# the native single file.
# Usage: bench/compare.sh [SIZE_MIB] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib="${1:-1024}"
work="${2:-/tmp/sqlrsync-bench}/compare"
native=$(./scripts/build-native.sh 2>/dev/null)
oracle=$("${SQLRSYNC_ORACLES:-$(realpath ..)/shared/oracles}/sqlite3_rsync/build.sh")
source bench/loopback-sshd.sh
mkdir -p "$work"
scan="$work/dbpage-scan"
cc -O2 -o "$scan" bench/dbpage-scan.c native/sqlite/out/linux-x64/libsqlrsync_sqlite3.a -lpthread -ldl -lm
origin="$work/../origin-$size_mib.db"
rows=$(( size_mib * 1024 ))
source bench/random-rows.sh
random_rows_database "$origin" "$rows"
replica="$work/replica.db"
declare -A tool=(
  [sqlrsync]="$native"
  [sqlite3_rsync]="$oracle"
  [sqlite3_rsync --protocol 1]="$oracle --protocol 1"
)
order=(sqlrsync sqlite3_rsync "sqlite3_rsync --protocol 1")

clear_replica() { rm -f "$replica" "$replica"-wal "$replica"-shm "$replica"-journal "$replica"-sqlrsync; }
# The copy is written back before the timed run starts, so that no tool pays for its write-back.
restore() { clear_replica; cp "$work/saved.db" "$replica"; cp "$work/saved.db-sqlrsync" "$replica-sqlrsync"; sync; }
timed() { /usr/bin/time -f "%e" -o "$work/time" "$@" >/dev/null 2>&1; tail -1 "$work/time"; }
smallest() { printf '%s\n' "$@" | sort -n | head -1; }
best_of_3() {  # prepare-command command... -> the best wall time of three runs, each after prepare
  local prepare=$1 times=()
  shift
  for _ in 1 2 3; do
    $prepare
    times+=("$(timed "$@")")
  done
  smallest "${times[@]}"
}
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2fx'; }

# The replica every incremental case starts from: a copy of the origin before the change.
clear_replica
"$native" "$origin" "$replica" -q
cp "$replica" "$work/saved.db"; cp "$replica-sqlrsync" "$work/saved.db-sqlrsync"
# The change: rows of 1,000 bytes sit four to a page, so as many random row updates as 1% of the pages
# change about 1% of the pages (and 1% of the rows would change 4%). It is made three times, each on a
# fresh copy written back first, and timed: SQLite's own commit of it (into the WAL, fsync, checkpoint
# into the file as the last connection closes, fsync) is the write a sync of it must make too.
pages=$(sqlite3 "$origin" "PRAGMA page_count")
changes=$(( pages / 100 ))
commits=()
for _ in 1 2 3; do
  cp "$origin" "$work/changed.db"; sync
  commits+=("$(timed sqlite3 "$work/changed.db" "PRAGMA synchronous = FULL;
    UPDATE t SET v = randomblob(1000) WHERE id IN (SELECT abs(random()) % $rows + 1 FROM t LIMIT $changes)")")
done
limit_commit=$(smallest "${commits[@]}")

declare -A new same changed ssh
# A new replica against its limit: each sqlrsync run comes right after a cp + fsync of the same file,
# five times, as this disk's speed drifts by 2x within minutes and only neighbouring runs compare.
copies=() new_replicas=()
for _ in 1 2 3 4 5; do
  rm -f "$work/copy.db"; sync
  copies+=("$(timed dd if="$origin" of="$work/copy.db" bs=4M conv=fsync status=none)")
  clear_replica; sync
  new_replicas+=("$(timed "$native" "$origin" "$replica")")
done
limit_copy=$(smallest "${copies[@]}")
new[sqlrsync]=$(smallest "${new_replicas[@]}")
# Scanned: the files the identical and 1% syncs read as origins (a fresh copy reads slower here than
# a file that has been in the page cache longer, so the limit must read the same file).
limit_scan=$(best_of_3 true "$scan" "$work/saved.db")
limit_scan_changed=$(best_of_3 true "$scan" "$work/changed.db")
limit_hash=$(best_of_3 true xxhsum -H2 "$work/saved.db")
rm -f "$work/copy.db"
for name in "${order[@]}"; do
  # shellcheck disable=SC2086  # the tool's words
  [[ $name == sqlrsync ]] || new[$name]=$(best_of_3 clear_replica ${tool[$name]} "$origin" "$replica")
  same[$name]=$(best_of_3 restore ${tool[$name]} "$work/saved.db" "$replica")
  changed[$name]=$(best_of_3 restore ${tool[$name]} "$work/changed.db" "$replica")
  ssh[$name]=$(best_of_3 restore ${tool[$name]} "$work/changed.db" "benchhost:$replica" --ssh "$bench_ssh" --exe "${tool[$name]%% *}")
done
# Wire bytes of the 1% push over ssh, each tool with its defaults there (sqlrsync: deltas and
# compression on across a network): sent is origin to replica, total adds the replica's answers.
restore
ours=$("$native" "$work/changed.db" "benchhost:$replica" --ssh "$bench_ssh" --exe "$native" --json)
sent_ours=$(grep -o '"bytes_sent":[0-9]*' <<<"$ours" | cut -d: -f2)
total_ours=$(( sent_ours + $(grep -o '"bytes_received":[0-9]*' <<<"$ours" | cut -d: -f2) ))
restore
theirs=$("$oracle" "$work/changed.db" "benchhost:$replica" --ssh "$bench_ssh" --exe "$oracle" -v)
sent_theirs=$(grep -o 'sent [0-9,]* bytes' <<<"$theirs" | tr -dc 0-9)
total_theirs=$(( sent_theirs + $(grep -o 'received [0-9,]* bytes' <<<"$theirs" | tr -dc 0-9) ))

echo "$pages pages of 4 KiB, $changes rows changed; best of 3 whole processes (sqlrsync's new replica and cp + fsync: best of 5 alternating runs); $(nproc) cores"
echo
echo "| case | sqlrsync | sqlite3_rsync | sqlite3_rsync --protocol 1 | limit measured here | sqlrsync vs default / protocol 1 |"
echo "|---|---|---|---|---|---|"
row() {  # label array limit
  local label=$1
  local -n values=$2
  printf '| %s | %s s | %s s | %s s | %s | %s / %s faster |\n' "$label" "${values[sqlrsync]}" "${values[sqlite3_rsync]}" "${values[sqlite3_rsync --protocol 1]}" "$3" \
    "$(ratio "${values[sqlite3_rsync]}" "${values[sqlrsync]}")" "$(ratio "${values[sqlite3_rsync --protocol 1]}" "${values[sqlrsync]}")"
}
row "local, new replica" new "cp + fsync: $limit_copy s"
row "local, identical" same "one sqlite_dbpage scan: $limit_scan s; xxh128sum: $limit_hash s"
row "local, 1% of pages changed" changed "one sqlite_dbpage scan: $limit_scan_changed s; SQLite's commit of the change: $limit_commit s"
row "ssh loopback, 1% of pages changed" ssh ""
echo "| wire bytes sent over ssh, 1% of pages changed | $sent_ours | $sent_theirs | | | $(ratio "$sent_ours" "$sent_theirs") of sqlite3_rsync's |"
echo "| wire bytes both ways over ssh, 1% of pages changed | $total_ours | $total_theirs | | | $(ratio "$total_ours" "$total_theirs") of sqlite3_rsync's |"
echo
echo "sqlrsync: new replica $(ratio "${new[sqlrsync]}" "$limit_copy") of cp + fsync; 1% changed $(ratio "${changed[sqlrsync]}" "${same[sqlrsync]}") of identical, $(ratio "${changed[sqlrsync]}" "$(echo "${same[sqlrsync]} + $limit_commit" | bc -l)") of identical + SQLite's commit of the change; identical $(ratio "${same[sqlrsync]}" "$limit_scan") of one sqlite_dbpage scan, $(ratio "${same[sqlrsync]}" "$limit_hash") of xxh128sum"
rm -rf "$work"
