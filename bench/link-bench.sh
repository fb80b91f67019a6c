#!/usr/bin/env bash
# Pushes over ssh through an emulated distant link (bench/Rsync.LinkEmulator as ssh's ProxyCommand: each
# direction delayed and paced in user space; this kernel has no netem), at 50 ms round trip and 200 Mbit/s,
# then at 150 ms and 10 Mbit/s: an identical replica and 1% of pages changed, the native sqlrsync against
# sqlite3_rsync (--protocol 1, and its default protocol 2) in the same run (issue 31). A time is a whole
# process, best of 5, less the ssh login: the best of 5 "ssh HOST true" through the same link (connect,
# key exchange, authentication, a remote command, exit), so what remains is the sync after the login.
# Before each run the replica is put back to the state it had (a copy of the origin before the change,
# with the record sqlrsync keeps beside it). The database, WORK_DIR/origin-SIZE.db, is bench/compare.sh's
# (1,024 rows of 1,000 random bytes per MiB), made here if missing; it is copied, never changed.
# Usage: bench/link-bench.sh [SIZE_MIB] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib="${1:-256}"
work="${2:-/tmp/sqlrsync-bench}/link"
native=$(./scripts/build-native.sh 2>/dev/null)
oracle=$("${SQLRSYNC_ORACLES:-$(realpath ..)/shared/oracles}/sqlite3_rsync/build.sh")
dotnet build -c Release bench/Rsync.LinkEmulator -nologo -v quiet >/dev/null
emulator="$PWD/bench/Rsync.LinkEmulator/bin/Release/net10.0/link-emulator.dll"
source bench/loopback-sshd.sh
mkdir -p "$work"

origin="$work/../origin-$size_mib.db"
rows=$(( size_mib * 1024 ))
source bench/random-rows.sh
random_rows_database "$origin" "$rows"
replica="$work/replica.db"
clear_replica() { rm -f "$replica" "$replica"-wal "$replica"-shm "$replica"-journal "$replica"-sqlrsync; }
restore() { clear_replica; cp "$work/saved.db" "$replica"; cp "$work/saved.db-sqlrsync" "$replica-sqlrsync"; sync; }
# The state every run starts from, and the origin with 1% of its pages changed
# (as many random row updates as 1% of the pages: rows of 1,000 bytes sit four to a page).
clear_replica
"$native" "$origin" "$replica" -q
cp "$replica" "$work/saved.db"; cp "$replica-sqlrsync" "$work/saved.db-sqlrsync"
cp "$replica" "$work/changed.db"
pages=$(sqlite3 "$origin" "PRAGMA page_count")
sqlite3 "$work/changed.db" "UPDATE t SET v = randomblob(1000) WHERE id IN (SELECT abs(random()) % $rows + 1 FROM t LIMIT $(( pages / 100 )))"

# One ssh alias per link: the bench host, reached through the emulator, which appends what it carried to
# $work/link-report (bytes each way, and turns: runs of bytes one way after bytes the other way).
link_alias() {  # one-way-delay-ms rate-mbit -> the alias
  local alias="link-$1ms-$2mbit"
  if ! grep -q "^Host $alias\$" "$keys/ssh_config"; then
    { bench_host_entry "$alias"; echo "  ProxyCommand dotnet $emulator --delay-ms $1 --rate-mbit $2 --report $work/link-report %h %p"; } \
      >> "$keys/ssh_config"
  fi
  echo "$alias"
}

seconds() {  # command... -> its wall time in seconds (stdout kept in $work/out)
  local start=$EPOCHREALTIME
  "$@" >"$work/out" 2>"$work/err" || { echo "failed: $* $(cat "$work/err")" >&2; exit 1; }
  echo "$EPOCHREALTIME - $start" | bc -l
  # ssh does not wait for its ProxyCommand: let the emulator write its report line before the next run (at most 5 s).
  for _ in $(seq 100); do pgrep -f "dotnet $emulator" >/dev/null || break; sleep 0.05; done
}
best_of_5() {  # prepare-command command... -> the best of five wall times, each run after prepare
  local prepare=$1 best=""
  shift
  for _ in 1 2 3 4 5; do
    $prepare
    local t
    t=$(seconds "$@")
    if [[ -z $best ]] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  echo "$best"
}
# The fewest turns the link saw in the last five runs: each round trip is two.
fewest_turns() { tail -5 "$work/link-report" | awk '{ print $6 }' | sort -n | head -1; }
ms() { echo "$1 * 1000" | bc -l | xargs printf '%.0f'; }
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.1fx'; }

echo "$pages pages of 4 KiB, $(( pages / 100 )) rows changed; push over ssh through link-emulator; best of 5, less the best of 5 ssh logins; $(nproc) cores"
echo
echo "| link | case | ssh login | sqlrsync | round trips | turns beyond the login | bytes both ways | goal | sqlite3_rsync --protocol 1 | sqlite3_rsync (protocol 2) | sqlrsync vs protocol 1 |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for link in "25 200" "75 10"; do
  read -r delay rate <<<"$link"
  alias=$(link_alias "$delay" "$rate")
  rtt=$(( 2 * delay ))
  login=$(best_of_5 true "$bench_ssh" "$alias" true)
  login_turns=$(fewest_turns)
  for case in same changed; do
    from="$work/changed.db"; [[ $case == same ]] && from="$origin"
    ours=$(best_of_5 restore "$native" "$from" "$alias:$replica" --ssh "$bench_ssh" --exe "$native" --json)
    round_trips=$(grep -o '"round_trips":[0-9]*' "$work/out" | cut -d: -f2)
    turns=$(( $(fewest_turns) - login_turns ))
    bytes=$(( $(grep -o '"bytes_sent":[0-9]*' "$work/out" | cut -d: -f2) + $(grep -o '"bytes_received":[0-9]*' "$work/out" | cut -d: -f2) ))
    one=$(best_of_5 restore "$oracle" --protocol 1 "$from" "$alias:$replica" --ssh "$bench_ssh" --exe "$oracle")
    two=$(best_of_5 restore "$oracle" "$from" "$alias:$replica" --ssh "$bench_ssh" --exe "$oracle")
    if [[ $case == same ]]; then
      label="identical"; goal=$(( 2 * rtt + 50 ))
    else
      # The issue's goal: 3 round trips, the change's bytes at the link rate, and 100 ms.
      label="1% changed"; goal=$(echo "3 * $rtt + $bytes * 8 / ($rate * 1000) + 100" | bc -l | xargs printf '%.0f')
    fi
    after() { echo "$1 - $login" | bc -l; }
    printf '| %s ms, %s Mbit/s | %s | %s ms | %s ms | %s | %s | %s | ≤ %s ms | %s ms | %s ms | %s |\n' "$rtt" "$rate" "$label" "$(ms "$login")" \
      "$(ms "$(after "$ours")")" "$round_trips" "$turns" "$bytes" "$goal" "$(ms "$(after "$one")")" "$(ms "$(after "$two")")" \
      "$(ratio "$(after "$one")" "$(after "$ours")")"
  done
done
rm -rf "$work"
