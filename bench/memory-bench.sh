#!/usr/bin/env bash
# Peak memory of each side of a sync, each run as its own agent process joined by two named pipes.
# Usage: bench/memory-bench.sh ORIGIN REPLICA
# Prints, per side, the peak of its resident set as the kernel counts it (VmHWM, /usr/bin/time's
# figure) and the peak of its private memory (RssAnon, sampled every 20 ms): when sqlrsync reads a
# database through sqlite_dbpage it uses SQLite's memory map, and the mapped pages of the file count
# in the resident set, though they are the kernel's page cache, shared and reclaimable. The RSS
# includes the .NET runtime; set DOTNET_* variables in the environment to try GC settings.
set -euo pipefail
origin="$(realpath "$1")"
replica="$(realpath -m "$2")"
cd "$(dirname "$0")/.."
dotnet build -c Release src/Rsync.Cli -v quiet -nologo >/dev/null
sqlrsync="$PWD/src/Rsync.Cli/bin/Release/net10.0/sqlrsync.dll"
pipes="$(mktemp -d)"
trap 'rm -rf "$pipes"' EXIT
mkfifo "$pipes/to-origin" "$pipes/to-replica"

# Samples /proc/PID/status until the process ends; prints "peak RSS X MiB, peak private Y MiB".
watch_memory() {
  local pid=$1 private=0 total=0 line
  while [[ -r /proc/$pid/status ]]; do
    line=$(awk '/^RssAnon:/ {a=$2} /^VmHWM:/ {h=$2} END {print a+0, h+0}' "/proc/$pid/status" 2>/dev/null || echo "0 0")
    read -r anon hwm <<<"$line"
    (( anon > private )) && private=$anon
    (( hwm > total )) && total=$hwm
    sleep 0.02
  done
  printf 'peak RSS %.1f MiB, peak private %.1f MiB\n' "$(bc -l <<<"$total / 1024")" "$(bc -l <<<"$private / 1024")"
}

dotnet "$sqlrsync" --origin "$origin" < "$pipes/to-origin" > "$pipes/to-replica" &
origin_pid=$!
dotnet "$sqlrsync" --replica "$replica" > "$pipes/to-origin" < "$pipes/to-replica" &
replica_pid=$!
echo "origin: $(watch_memory $origin_pid)" > "$pipes/origin.memory" &
echo "replica: $(watch_memory $replica_pid)" > "$pipes/replica.memory" &
wait
cat "$pipes/origin.memory" "$pipes/replica.memory"
