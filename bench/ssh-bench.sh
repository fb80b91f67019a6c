#!/usr/bin/env bash
# Times pushes over ssh to 127.0.0.1 through Debian's sshd (started here with throwaway keys):
# new replica, identical replica, 1% of rows changed. Reuses the database of bench/compare.sh.
# Usage: bench/ssh-bench.sh [SIZE_MIB] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib="${1:-1024}"
work="${2:-/tmp/sqlrsync-bench}"
origin="$work/origin-$size_mib.db"
[[ -f "$origin" ]] || { echo "run bench/compare.sh $size_mib $work first" >&2; exit 1; }
dotnet build -c Release src/Rsync.Cli -v quiet -nologo >/dev/null
dll="$PWD/src/Rsync.Cli/bin/Release/net10.0/sqlrsync.dll"

source bench/loopback-sshd.sh
printf '#!/bin/sh\nexec dotnet %s "$@"\n' "$dll" > "$keys/sqlrsync" && chmod +x "$keys/sqlrsync"

replica="$work/ssh-replica.db"
run() {
  local out
  out=$( { /usr/bin/time -f "%e s" dotnet "$dll" "$origin" "benchhost:$replica" -v --ssh "ssh -F $keys/ssh_config" --exe "$keys/sqlrsync" "${@:2}"; } 2>&1 )
  echo "| $1 | $(echo "$out" | tail -1) | $(echo "$out" | grep -o 'changed [0-9,]* of [0-9,]* pages ([0-9,]* bytes, [0-9,]* on the wire)') | $(echo "$out" | grep -o 'sent [0-9,]* bytes  received [0-9,]* bytes') |"
}
rm -f "$replica" "$replica"-wal "$replica"-shm
echo "| case | wall time | pages (raw bytes, on the wire) | traffic |"
echo "|---|---|---|---|"
run "new replica, compressed (default)"
rm -f "$replica" "$replica"-wal "$replica"-shm
run "new replica, --compress off" --compress off
run "identical"
rows=$(sqlite3 "$origin" "SELECT max(id) FROM t")
pages=$(sqlite3 "$origin" "PRAGMA page_count")
sqlite3 "$origin" "UPDATE t SET v = randomblob(1000) WHERE id IN (SELECT abs(random()) % $rows + 1 FROM t LIMIT $(( pages / 100 )));"
run "1% of rows changed"
rm -f "$replica" "$replica"-wal "$replica"-shm
