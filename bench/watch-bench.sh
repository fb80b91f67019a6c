#!/usr/bin/env bash
# Continuous replicas: how long a commit takes to be visible on a replica, and what it costs, for
# `sqlrsync --watch` against what users have without it: sqlite3_rsync run in a loop, and sqlrsync
# itself run in a loop. A probe writer (bench/watch-probe.py) commits a numbered row at a steady rate
# to a copy of compare.sh's database; a reader polls the replica every millisecond and notes when each
# row appears. Per case: lag p50 / p99 / largest in ms, rows never seen, and the CPU the syncing side
# used (its process and the children it waited for: user + system, as a share of one core; over ssh,
# plus the agent the watch keeps on the other side). Then the CPU of a watch over an idle origin, and the
# watch's cycles on a small and a large database at the same change rate (cycle time from --json).
# Before the probe starts, a few commits and a pause let the watch make its first trees (a full scan
# on each side), so that the figures are of cycles after them; the rescans still counted are those
# the probe's commits caused.
# Usage: [PARTS="lag idle sizes"] bench/watch-bench.sh [SIZE_MIB] [SECONDS] [SMALL_MIB] [LARGE_MIB] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib="${1:-1024}"
seconds="${2:-15}"
small_mib="${3:-64}"
large_mib="${4:-4096}"
base="${5:-/tmp/sqlrsync-bench}"
work="$base/watch"
native=$(./scripts/build-native.sh 2>/dev/null)
oracle=$("${SQLRSYNC_ORACLES:-$(realpath ..)/shared/oracles}/sqlite3_rsync/build.sh")
probe=bench/watch-probe.py
source bench/loopback-sshd.sh
source bench/random-rows.sh
mkdir -p "$work"

# A database of SIZE MiB of 1,000-byte random rows (compare.sh's kind), copied to $work/origin.db with the probe's table.
make_origin() {
  local size=$1 source="$base/origin-$1.db"
  random_rows_database "$source" $(( size * 1024 ))
  rm -f "$work"/origin.db*
  cp "$source" "$work/origin.db"
  sqlite3 "$work/origin.db" "PRAGMA journal_mode=wal; CREATE TABLE probe(n INTEGER PRIMARY KEY, t INTEGER);" >/dev/null
}

fresh_replica() {
  rm -f "$work"/replica.db*
  "$native" "$work/origin.db" "$work/replica.db" -q
}

# CPU ticks (user + system, with waited-for children) of process $1.
ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }

# The agent a watch keeps on the other side of ssh (here, through the loopback sshd), if there is one.
agent_pid() { for p in $(pgrep -f -- '--cycles' || true); do [[ $(cat "/proc/$p/comm" 2>/dev/null) == sqlrsync ]] && echo "$p"; done | head -1; }

# run_case NAME RATE COMMAND...: the syncing COMMAND runs while the probe writes RATE commits a second.
run_case() {
  local name=$1 rate=$2
  shift 2
  fresh_replica
  "$@" > "$work/cycles.json" 2> "$work/stderr" &
  local pid=$!
  python3 "$probe" write "$work/origin.db" 5 1 "$work/warmup.log"
  sleep $(( 2 + $(stat -c %s "$work/origin.db") / 200000000 ))
  local before agent agent_before
  before=$(ticks "$pid")
  agent=$(agent_pid)
  [[ -n $agent ]] && agent_before=$(ticks "$agent")
  local warm_cycles
  warm_cycles=$(grep -c '"cycle"' "$work/cycles.json" || true)
  echo "$warm_cycles" > "$work/warm-cycles"
  python3 "$probe" read "$work/replica.db" "$(( seconds + 8 ))" "$work/read.log" &
  local reader=$!
  sleep 0.5
  local started=$SECONDS
  python3 "$probe" write "$work/origin.db" "$rate" "$seconds" "$work/write.log"
  wait "$reader"
  local elapsed=$(( SECONDS - started ))
  local after agent_after=""
  after=$(ticks "$pid")
  [[ -n $agent && -e /proc/$agent ]] && agent_after=$(ticks "$agent")
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local hz cpu
  hz=$(getconf CLK_TCK)
  cpu=$(echo "($after - $before) / $hz / $elapsed * 100" | bc -l | xargs printf '%.0f')
  if [[ -n $agent_after ]]; then
    cpu="$cpu% + its agent $(echo "($agent_after - $agent_before) / $hz / $elapsed * 100" | bc -l | xargs printf '%.0f')"
  fi
  read -r p50 p99 most seen missing < <(python3 "$probe" lag "$work/write.log" "$work/read.log")
  local rescans=""
  if grep -q '"rescan"' "$work/cycles.json" 2>/dev/null; then
    rescans=", $(tail -n +$(( warm_cycles + 1 )) "$work/cycles.json" | grep -c '"rescan":true') rescans in $(( $(grep -c '"cycle"' "$work/cycles.json") - warm_cycles )) cycles"
  fi
  echo "| $name | $rate/s | $p50 / $p99 / $most | $missing | $cpu%$rescans |"
}

# The loops run in a bash of their own, whose waited-for children count in its CPU; a watch runs alone.
loop_oracle() { while :; do "$oracle" "$work/origin.db" "$work/replica.db" >/dev/null 2>&1 || true; done; }
loop_native() { while :; do "$native" "$work/origin.db" "$work/replica.db" -q || true; done; }
export -f loop_oracle loop_native
export native oracle work
watch=("$native" --watch --json --interval 10ms "$work/origin.db")

parts="${PARTS:-lag idle sizes}"
if [[ $parts == *lag* ]]; then
make_origin "$size_mib"
echo "## ${size_mib} MiB, ${seconds} s a case, $(date -u +%Y-%m-%d), $(git rev-parse --short HEAD)"
echo
echo "| syncing side | commits | lag p50 / p99 / largest (ms) | rows never seen | CPU of one core |"
echo "|---|---|---|---|---|"
for rate in 10 100 1000; do
  run_case "sqlrsync --watch, local" "$rate" "${watch[@]}" "$work/replica.db"
done
for rate in 10 100; do
  run_case "sqlrsync --watch, over ssh" "$rate" "${watch[@]}" "benchhost:$work/replica.db" --ssh "$bench_ssh" --exe "$native"
done
run_case "sqlite3_rsync in a loop, local" 100 bash -c loop_oracle
run_case "sqlrsync in a loop, local" 100 bash -c loop_native
fi

# An idle origin: the watch's own CPU over SECONDS.
if [[ $parts == *idle* ]]; then
make_origin "$size_mib"
fresh_replica
"$native" --watch "$work/origin.db" "$work/replica.db" &
pid=$!
sleep 2
before=$(ticks "$pid")
sleep "$seconds"
after=$(ticks "$pid")
kill -TERM "$pid"; wait "$pid" || true
echo
echo "A watch over an idle origin: $(echo "($after - $before) / $(getconf CLK_TCK) / $seconds * 100" | bc -l | xargs printf '%.2f')% of a core."
fi

# The same change rate on a small and a large database: the cycle's own time (--json elapsed_seconds).
if [[ $parts == *sizes* ]]; then
echo
echo "| database | cycles | rescans | cycle time p50 / p99 (ms), rescans left out | lag p50 / p99 (ms) |"
echo "|---|---|---|---|---|"
for size in "$small_mib" "$large_mib"; do
  make_origin "$size"
  line=$(run_case "x" 100 "${watch[@]}" "$work/replica.db")
  python3 - "$work/cycles.json" "$size" "$line" "$(cat "$work/warm-cycles")" <<'PY'
import json, sys
cycles = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")][int(sys.argv[4]):]
plain = sorted(c["elapsed_seconds"] * 1000 for c in cycles if not c["rescan"])
at = lambda q: plain[min(len(plain) - 1, int(q * len(plain)))] if plain else float("nan")
lag = sys.argv[3].split("|")[3].split("/")
print(f"| {sys.argv[2]} MiB | {len(cycles)} | {sum(c['rescan'] for c in cycles)} | {at(0.5):.1f} / {at(0.99):.1f} | {lag[0].strip()} / {lag[1].strip()} |")
PY
done
fi
rm -f "$work"/origin.db* "$work"/replica.db*
