#!/usr/bin/env bash
# The native single file against the JIT (.NET) build, in the same run, on generated WAL databases of
# 1 and 4 GiB: new replica, identical, 1% of rows changed. Each case runs both builds back to back
# (native first, then JIT, on the same replica state). Prints a markdown table: wall time and peak RSS
# of the one process that runs both sides.
# Usage: bench/native-bench.sh [WORK_DIR]   (default /tmp/sqlrsync-bench; needs ~11 GB free)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/sqlrsync-bench}"
mkdir -p "$work"
native=$(./scripts/build-native.sh)
dotnet build -c Release src/Rsync.Cli -nologo -v quiet >/dev/null
jit=(dotnet "$PWD/src/Rsync.Cli/bin/Release/net10.0/sqlrsync.dll")

measure() {  # build-name origin replica -> "| ... |"
  local name=$1 origin=$2 replica=$3; shift 3
  local command=("$native")
  [[ $name == JIT ]] && command=("${jit[@]}")
  /usr/bin/time -f "%e %M" "${command[@]}" "$origin" "$replica" -q 2>&1 >/dev/null | tail -1
}

echo "| size | case | native: wall s, peak RSS MiB | JIT: wall s, peak RSS MiB |"
echo "|---|---|---|---|"
source bench/random-rows.sh
for size in 1024 4096; do
  origin="$work/origin-$size.db"
  random_rows_database "$origin" $(( size * 1024 ))
  rows=$(sqlite3 "$origin" "SELECT max(id) FROM t")
  replica="$work/replica-$size.db"
  row() { printf '| %s GiB | %s | %s | %s |\n' "$(( size / 1024 ))" "$1" "$2" "$3"; }
  fmt() { awk '{ printf "%.2f s, %.0f MiB", $1, $2 / 1024 }'; }

  rm -f "$replica"* && a=$(measure native "$origin" "$replica" | fmt)
  rm -f "$replica"* && b=$(measure JIT "$origin" "$replica" | fmt)
  row "new replica" "$a" "$b"
  a=$(measure native "$origin" "$replica" | fmt); b=$(measure JIT "$origin" "$replica" | fmt)
  row "identical" "$a" "$b"
  sqlite3 "$origin" "UPDATE t SET v = randomblob(1000) WHERE id IN (SELECT abs(random()) % $rows + 1 FROM t LIMIT $(( rows / 100 )))"
  cp "$replica" "$work/before-change.db"; cp "$replica-sqlrsync" "$work/before-change.db-sqlrsync"
  a=$(measure native "$origin" "$replica" | fmt)
  cp "$work/before-change.db" "$replica"; cp "$work/before-change.db-sqlrsync" "$replica-sqlrsync"; rm -f "$replica-wal" "$replica-shm"
  b=$(measure JIT "$origin" "$replica" | fmt)
  row "1% of rows changed" "$a" "$b"
  rm -f "$work/before-change.db"*
done
