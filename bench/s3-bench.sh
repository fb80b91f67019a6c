#!/usr/bin/env bash
# Archives in object storage against restic, one run on one server (issue 30's goals): a single-node
# OpenStack Swift with s3api on 127.0.0.1 (bench/swift-server.py; its disk in /dev/shm), every
# request counted at its proxy's access log by method, with the body bytes it received and sent.
#  (idle) `sqlrsync --watch` of a small database into a bucket: requests while the database is idle,
#         and for one snapshot after a commit;
#  (a)    the first snapshot, an unchanged one, and one after a 1% change of a SIZE_MIB database of text
#         rows (archive-bench.sh's kind), by sqlrsync and by `restic backup` of the same file;
#  (b)    DAYS more "daily" snapshots, each after a 1% change (as many random row updates as 1% of the
#         pages), both tools in alternating order: requests, bytes uploaded, bytes stored;
#  (c)    restore of the newest state to a new file: sqlrsync, `restic restore`, and one GET of one
#         object of the database's size by a plain client (bench/s3-object.py), ROUNDS rounds in
#         rotating order, medians;
#  (d)    the peak memory of sqlrsync's adds with 1 and with DAYS+ snapshots in the bucket.
# restic 0.14 (minio-go) sends aws-chunked bodies over plain http, which s3api refuses, and plain
# bodies over https: it talks to a TLS twin of the same proxy (same backends, same log), and the
# single-object GET is timed over both. Prints markdown, also kept in WORK/results.md with every
# measurement's requests in WORK/results/.
# Usage: bench/s3-bench.sh [SIZE_MIB] [DAYS] [ROUNDS]   (WORK: $BENCH_DIR/s3-bench, BENCH_DIR default
#        /tmp/sqlrsync-bench, where the database is cached as text-SIZE_MIB.db; IDLE_SECONDS default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024} days=${2:-30} rounds=${3:-3}
base=${BENCH_DIR:-/tmp/sqlrsync-bench}
idle_seconds=${IDLE_SECONDS:-60}
started=$(date +%s)

missing=()
command -v restic >/dev/null || missing+=(restic)
[[ -d /usr/lib/python3/dist-packages/swift ]] || missing+=(python3-swift)
[[ -x /usr/bin/memcached ]] || missing+=(memcached)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
if (( ${#missing[@]} )); then
  sudo=$([[ $EUID == 0 ]] || echo sudo)
  $sudo apt-get update -q >&2 && $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
native=$(./scripts/build-native.sh 2>/dev/null)
server=bench/swift-server.py

work=$base/s3-bench
results=$work/results
rm -rf "$work"; mkdir -p "$results"
swift=$(mktemp -d /dev/shm/s3-bench-swift.XXXXXX)
out=$(mktemp -d /dev/shm/s3-bench-out.XXXXXX)
server_pid= watch_pid=
cleanup() {
  [[ -z $watch_pid ]] || kill "$watch_pid" 2>/dev/null || true
  [[ -z $server_pid ]] || { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; } || true
  rm -rf "$swift" "$out" "$work/origin.db" "$work/origin.db-wal" "$work/origin.db-shm"
}
trap cleanup EXIT

# The database: text rows of about 1,000 bytes (archive-bench.sh's), made once and kept.
body="printf('%d|order %d for customer %d|%s|%s|status %s|note: %s', abs(random()) % 100000, abs(random()) % 1000000,
  abs(random()) % 5000, date('2020-01-01', '+' || (abs(random()) % 2000) || ' days'), substr('alpha beta gamma delta epsilon', 1 +
  abs(random()) % 20, 12), substr('pending shipped returned cancelled', 1 + abs(random()) % 25, 9),
  substr(replace(hex(zeroblob(470)), '00', 'the quick brown fox jumps over the lazy dog '), 1 + abs(random()) % 40, 900))"
make_database() { # PATH MIB
  rm -f "$1" "$1-wal" "$1-shm"
  sqlite3 "$1" "PRAGMA journal_mode=wal; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < $(( $2 * 1024 ))) INSERT INTO t(v) SELECT $body FROM c;
    PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
  rm -f "$1-wal" "$1-shm"
}
cached=$base/text-$size_mib.db
[[ -f $cached ]] || { echo "making $cached" >&2; make_database "$cached.tmp" "$size_mib"; mv "$cached.tmp" "$cached"; }
origin=$work/origin.db
cp "$cached" "$origin"
rows=$(sqlite3 "$origin" "SELECT max(id) FROM t")
pages=$(sqlite3 "$origin" "PRAGMA page_count")
changes=$(( pages / 100 ))
# A 1% change, checkpointed so that restic (which reads the file) sees the same state sqlrsync reads.
change() {
  sqlite3 "$1" "UPDATE t SET v = $body WHERE id IN (SELECT abs(random()) % $rows + 1 FROM t LIMIT ${2:-$changes});
    PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
}

setsid "$server" serve "$swift" >"$swift/serve.out" 2>&1 &
server_pid=$!
for _ in $(seq 240); do [[ -f $swift/endpoint ]] && break; kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
[[ -f $swift/endpoint ]] || { echo "Swift did not start:" >&2; cat "$swift/serve.out" "$swift/servers.out" >&2; exit 1; }
endpoint=$(cat "$swift/endpoint") endpoint_tls=$(cat "$swift/endpoint-tls")
export AWS_ACCESS_KEY_ID=test:tester AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 SSL_CERT_FILE=$swift/tls.pem
export RESTIC_PASSWORD=bench RESTIC_REPOSITORY=s3:$endpoint_tls/restic/app RESTIC_CACHE_DIR=$work/restic-cache
restic=(restic --cacert "$swift/tls.pem" -q)
"$server" bucket "$swift" sqlrsync restic idle object
archive=s3://sqlrsync/app
s3=(--s3-endpoint "$endpoint")

# measure NAME COMMAND...: the whole process's time and memory (bench/peak.py) into results/NAME.time, what it asked of the
# server into results/NAME.json.
measure() {
  local name=$1; shift
  "$server" mark "$swift" "$name-start"
  bench/peak.py "$@" >"$results/$name.time"
  "$server" mark "$swift" "$name-end"
  read -r _ _ _ code <"$results/$name.time"
  (( code == 0 )) || { echo "$name failed with exit code $code: $*" >&2; exit 1; }
  "$server" requests "$swift" "$name-start" "$name-end" >"$results/$name.json"
}
usage() { "$server" usage "$swift" "$1" | cut -d' ' -f1; }

# (idle) A watch of a small database: nothing while it is idle, one snapshot after a commit.
echo "idle watch ($idle_seconds s)" >&2
idle_db=$work/idle.db
make_database "$idle_db" 8
"$native" "$idle_db" s3://idle/app "${s3[@]}" --watch --snapshot-every 1s --json >"$work/watch.json" 2>"$work/watch.err" &
watch_pid=$!
wait_cycle() { for _ in $(seq 600); do (( $(grep -c '"cycle"' "$work/watch.json") >= $1 )) && return; sleep 0.1; done; echo "watch: no cycle $1" >&2; exit 1; }
wait_cycle 1
"$server" mark "$swift" idle-start; sleep "$idle_seconds"; "$server" mark "$swift" idle-end
"$server" requests "$swift" idle-start idle-end >"$results/idle.json"
sleep 1.1  # past --snapshot-every since the first snapshot
"$server" mark "$swift" commit-start
change "$idle_db" 20
wait_cycle 2
sleep 0.5
"$server" mark "$swift" commit-end
"$server" requests "$swift" commit-start commit-end >"$results/commit.json"
kill -TERM "$watch_pid"; wait "$watch_pid"; watch_pid=

# (a) and (b): the first snapshot, an unchanged one, then DAYS snapshots each after a 1% change.
echo "first and unchanged snapshots" >&2
measure s-first "$native" "$origin" "$archive" "${s3[@]}" -q
measure r-init "${restic[@]}" init
measure r-first "${restic[@]}" backup --host bench "$origin"
measure s-unchanged "$native" "$origin" "$archive" "${s3[@]}" -q
measure r-unchanged "${restic[@]}" backup --host bench "$origin"
echo "$(usage sqlrsync) $(usage restic)" >"$results/stored-before-days"
for day in $(seq "$days"); do
  echo "day $day of $days" >&2
  change "$origin"
  if (( day % 2 )); then
    measure "s-day$day" "$native" "$origin" "$archive" "${s3[@]}" -q
    measure "r-day$day" "${restic[@]}" backup --host bench "$origin"
  else
    measure "r-day$day" "${restic[@]}" backup --host bench "$origin"
    measure "s-day$day" "$native" "$origin" "$archive" "${s3[@]}" -q
  fi
done
echo "$(usage sqlrsync) $(usage restic)" >"$results/stored-after-days"
measure s-unchanged-last "$native" "$origin" "$archive" "${s3[@]}" -q
"$native" --list "$archive" "${s3[@]}" --json >"$results/list.json"

# (c) Restores of the newest state to a new file, against one GET of an object as large, over http (sqlrsync's way) and
# over https (restic's).
echo "restores" >&2
bench/s3-object.py put "$endpoint" object/database "$origin"
restore_sqlrsync() { measure "restore-sqlrsync-$1" "$native" "$archive" "$out/restored.db" "${s3[@]}" -q
  cmp -s "$origin" "$out/restored.db" || echo "warning: sqlrsync restored other bytes than the origin's" >&2; rm -f "$out"/restored.db*; }
restore_restic() { measure "restore-restic-$1" "${restic[@]}" restore latest --target "$out/restic"
  cmp -s "$origin" "$out/restic$origin" || echo "warning: restic restored other bytes than the origin's" >&2; rm -rf "$out/restic"; }
get_http() { measure "get-http-$1" bench/s3-object.py get "$endpoint" object/database "$out/object"; rm -f "$out/object"; }
get_https() { measure "get-https-$1" bench/s3-object.py get "$endpoint_tls" object/database "$out/object"; rm -f "$out/object"; }
order=(restore_sqlrsync get_http restore_restic get_https)
for round in $(seq "$rounds"); do
  for i in 0 1 2 3; do "${order[(i + round - 1) % 4]}" "$round"; done
done

uptime >"$results/uptime"
python3 bench/s3-bench-report.py "$results" "$size_mib" "$pages" "$changes" "$days" "$rounds" "$idle_seconds" "$(restic version | cut -d' ' -f2)" \
  "$(git rev-parse --short HEAD)" "$(( $(date +%s) - started ))" | tee "$work/results.md"
