#!/usr/bin/env bash
# Peak memory of each side of a sync, each run as its own agent process joined by two named pipes.
# Usage: bench/memory-bench.sh ORIGIN REPLICA     (prints "origin S s, K KiB" and "replica S s, K KiB")
# The RSS includes the .NET runtime; set DOTNET_* variables in the environment to try GC settings.
set -euo pipefail
origin="$(realpath "$1")"
replica="$(realpath -m "$2")"
cd "$(dirname "$0")/.."
dotnet build -c Release src/Rsync.Cli -v quiet -nologo >/dev/null
sqlrsync="$PWD/src/Rsync.Cli/bin/Release/net10.0/sqlrsync.dll"
pipes="$(mktemp -d)"
trap 'rm -rf "$pipes"' EXIT
mkfifo "$pipes/to-origin" "$pipes/to-replica"
/usr/bin/time -o "$pipes/origin.time" -f "origin %e s, %M KiB" dotnet "$sqlrsync" --origin "$origin" < "$pipes/to-origin" > "$pipes/to-replica" &
/usr/bin/time -o "$pipes/replica.time" -f "replica %e s, %M KiB" dotnet "$sqlrsync" --replica "$replica" > "$pipes/to-origin" < "$pipes/to-replica"
wait
cat "$pipes/origin.time" "$pipes/replica.time"
