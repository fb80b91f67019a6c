#!/usr/bin/env bash
# Fleets (issue 15), in one run, pushing to Debian's sshd on 127.0.0.1:
#  1. COUNT small databases (about 100 KiB each), 1% of them changed: one directory sync over one
#     connection, against a loop of COUNT single-database sqlrsync runs and a loop of COUNT
#     sqlite3_rsync runs (built by ../shared/oracles/sqlite3_rsync/build.sh).
#  2. Peak memory of the directory sync's client with COUNT and 10 x COUNT small databases (8 KiB).
#  3. The 1 GiB origin of compare.sh to 1 and to 4 replicas (1% of rows changed), over ssh: wall
#     time, and how many origin pages the one process read.
# Every sqlrsync is the native single file. Usage: bench/fleet-bench.sh [COUNT] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000}"
work="${2:-/tmp/sqlrsync-bench}/fleet"
native=$(./scripts/build-native.sh 2>/dev/null)
oracle_build="${SQLRSYNC_ORACLES:-$(realpath ..)/shared/oracles}/sqlite3_rsync/build.sh"
sqlite3_rsync=$("$oracle_build")
source bench/loopback-sshd.sh
rm -rf "$work" && mkdir -p "$work"

# COUNT databases from one template (100 KiB of rows), each then made its own by one row.
make_fleet() {  # dir count kib
  local dir=$1 n=$2 kib=$3
  mkdir -p "$dir"
  sqlite3 "$work/template.db" "DROP TABLE IF EXISTS t; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < $(( kib * 4 / 5 )))
    INSERT INTO t(v) SELECT randomblob(1000) FROM c; VACUUM;"
  for i in $(seq -w 1 "$n"); do cp "$work/template.db" "$dir/tenant-$i.db"; done
}
change_one_percent() {  # dir
  local i=0
  for db in "$1"/*.db; do
    if (( i++ % 100 == 0 )); then sqlite3 "$db" "UPDATE t SET v = randomblob(1000) WHERE id % 10 = 0"; fi
  done
}
seconds() {  # command... -> its wall time; a failure ends the benchmark
  local out
  out=$( { /usr/bin/time -f "%e" "$@" >/dev/null; } 2>&1 ) || { echo "failed: $* ($out)" >&2; exit 1; }
  echo "$out" | tail -1
}

echo "## $count databases of about 100 KiB, 1% changed, pushed over ssh to 127.0.0.1"
make_fleet "$work/origin" "$count" 100
# The replicas start as copies of the origin, taken over once by a forced sync (which writes only
# sqlrsync's records beside them); the loop's replicas are copies of those, records included.
cp -r "$work/origin" "$work/replica-dir" && cp -r "$work/origin" "$work/replica-oracle"
"$native" "$work/origin/" "benchhost:$work/replica-dir" --ssh "$bench_ssh" --exe "$native" -q --force
cp -r "$work/replica-dir" "$work/replica-loop"
change_one_percent "$work/origin"
dir_s=$(seconds "$native" "$work/origin/" "benchhost:$work/replica-dir" --ssh "$bench_ssh" --exe "$native" -q)
loop_s=$(seconds bash -c "for db in '$work/origin'/*.db; do '$native' \"\$db\" \"benchhost:$work/replica-loop/\${db##*/}\" --ssh '$bench_ssh' --exe '$native' -q || exit 1; done")
oracle_s=$(seconds bash -c "for db in '$work/origin'/*.db; do '$sqlite3_rsync' \"\$db\" \"benchhost:$work/replica-oracle/\${db##*/}\" --ssh '$bench_ssh' --exe '$sqlite3_rsync' >/dev/null || exit 1; done")
for tool in dir loop oracle; do
  for db in "$work/origin"/*.db; do cmp -s <(sqlite3 "$db" "SELECT sum(length(v)), count(*), hex(max(v)) FROM t") <(sqlite3 "$work/replica-$tool/${db##*/}" "SELECT sum(length(v)), count(*), hex(max(v)) FROM t") || { echo "replica-$tool/${db##*/} differs" >&2; exit 1; }; done
done
echo "| way | wall time | vs sqlite3_rsync loop |"
echo "|---|---|---|"
echo "| sqlrsync ORIGIN_DIR/ benchhost:DIR (one connection) | $dir_s s | $(echo "$oracle_s / $dir_s" | bc -l | xargs printf '%.1fx faster') |"
echo "| $count x sqlrsync ORIGIN benchhost:REPLICA | $loop_s s | $(echo "$oracle_s / $loop_s" | bc -l | xargs printf '%.1fx faster') |"
echo "| $count x sqlite3_rsync ORIGIN benchhost:REPLICA | $oracle_s s | 1x |"

echo
echo "## Memory of a directory sync (the client process), small databases (8 KiB)"
echo "| databases | wall time | peak RSS |"
echo "|---|---|---|"
for n in "$count" $(( count * 10 )); do
  rm -rf "$work/small" "$work/small-replica" && make_fleet "$work/small" "$n" 8 && mkdir -p "$work/small-replica"
  /usr/bin/time -f "%e %M" "$native" "$work/small/" "benchhost:$work/small-replica" --ssh "$bench_ssh" --exe "$native" -q 2>&1 >/dev/null | tail -1 \
    | awk -v n="$n" '{ printf "| %d | %.2f s | %.1f MiB |\n", n, $1, $2 / 1024 }'
done
rm -rf "$work/small" "$work/small-replica"

big="${work%/fleet}/origin-1024.db"
if [[ -f "$big" ]]; then
  echo
  echo "## The 1 GiB origin to 1 and to 4 replicas over ssh, 1% of rows changed"
  mkdir -p "$work/big"
  for r in 1 2 3 4; do cp "$big" "$work/big/replica-$r.db"; done
  "$native" "$big" "$work/big/replica-1.db" -q --force   # records beside each copy, so --force is not needed below
  for r in 2 3 4; do cp "$work/big/replica-1.db-sqlrsync" "$work/big/replica-$r.db-sqlrsync"; done
  rows=$(sqlite3 "$big" "SELECT max(id) FROM t")
  cp "$big" "$work/big/origin.db"
  sqlite3 "$work/big/origin.db" "UPDATE t SET v = randomblob(1000) WHERE id IN (SELECT abs(random()) % $rows + 1 FROM t LIMIT $(( rows / 100 )))"
  for r in 1 2 3 4; do cp "$work/big/replica-$r.db" "$work/big/before-$r.db"; cp "$work/big/replica-$r.db-sqlrsync" "$work/big/before-$r.db-sqlrsync"; done
  restore() { for r in 1 2 3 4; do cp "$work/big/before-$r.db" "$work/big/replica-$r.db"; cp "$work/big/before-$r.db-sqlrsync" "$work/big/replica-$r.db-sqlrsync"; rm -f "$work/big/replica-$r.db-wal" "$work/big/replica-$r.db-shm"; done; }
  read_pages() { grep -o '"origin_pages_read":[0-9]*' | head -1 | cut -d: -f2; }
  echo "| replicas | wall time | origin pages read (of $(sqlite3 "$work/big/origin.db" "PRAGMA page_count")) |"
  echo "|---|---|---|"
  restore
  one=$( { /usr/bin/time -f "%e" "$native" "$work/big/origin.db" "benchhost:$work/big/replica-1.db" --ssh "$bench_ssh" --exe "$native" --json > "$work/one.json"; } 2>&1 | tail -1)
  echo "| 1 | $one s | $(read_pages < "$work/one.json") |"
  restore
  four=$( { /usr/bin/time -f "%e" "$native" "$work/big/origin.db" $(for r in 1 2 3 4; do echo "benchhost:$work/big/replica-$r.db"; done) --ssh "$bench_ssh" --exe "$native" --json > "$work/four.json"; } 2>&1 | tail -1)
  echo "| 4 | $four s ($(echo "$four / $one" | bc -l | xargs printf '%.2fx') one replica's) | $(read_pages < "$work/four.json") |"
  rm -rf "$work/big"
fi
