#!/usr/bin/env bash
# Times local syncs of a generated database: new replica, identical replica, 1% of rows changed.
# Usage: bench/sync-bench.sh [SIZE_MIB] [WORK_DIR]     (defaults: 1024 MiB in /tmp/sqlrsync-bench)
# Prints one markdown table row per case with wall time, peak RSS and bytes exchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib="${1:-1024}"
work="${2:-/tmp/sqlrsync-bench}"
mkdir -p "$work"
dotnet build -c Release src/Rsync.Cli -v quiet -nologo >/dev/null
sqlrsync=(dotnet "$PWD/src/Rsync.Cli/bin/Release/net10.0/sqlrsync.dll")
origin="$work/origin-$size_mib.db"
replica="$work/replica.db"
rows=$(( size_mib * 1024 ))   # rows of ~1 KiB

if [[ ! -f "$origin" ]]; then
  sqlite3 "$origin" "PRAGMA journal_mode=wal; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < $rows)
    INSERT INTO t(v) SELECT randomblob(1000) FROM c;" >/dev/null
fi
pages=$(sqlite3 "$origin" "PRAGMA page_count")
echo "origin: $origin, $pages pages of 4096 bytes"

run() {
  # The page cache is left warm on purpose: the container may not drop it; each case runs twice.
  local name="$1"
  local out
  out=$( { /usr/bin/time -f "%e s, %M KiB" "${sqlrsync[@]}" "$origin" "$replica" -v; } 2>&1 )
  echo "| $name | $(echo "$out" | tail -1) | $(echo "$out" | grep -o 'changed [0-9,]* of [0-9,]* pages') | $(echo "$out" | grep -o 'sent [0-9,]* bytes  received [0-9,]* bytes') |"
}

rm -f "$replica" "$replica"-wal "$replica"-shm
echo "| case | wall time, peak RSS (both sides, one process) | pages | traffic |"
echo "|---|---|---|---|"
run "new replica"
rm -f "$replica" "$replica"-wal "$replica"-shm
run "new replica (again)"
run "identical"
run "identical (again)"
changes=$(( pages / 100 ))
for attempt in 1 2; do
  cp "$replica" "$work/replica-before-change.db"
  sqlite3 "$origin" "UPDATE t SET v = randomblob(1000) WHERE id IN (SELECT abs(random()) % $rows + 1 FROM t LIMIT $changes);"
  run "1% of rows changed ($changes random updates)"
done
rm -f "$work/replica-before-change.db"
rm -f "$work/dd-copy"
echo "| dd baseline (bs=4M conv=fsync) | $( { /usr/bin/time -f "%e s" dd if="$origin" of="$work/dd-copy" bs=4M conv=fsync status=none; } 2>&1 ) | | |"
rm -f "$work/dd-copy"
