#!/usr/bin/env bash
# What OpenSSH connection sharing saves a scheduled run (docs/operations.md, "One login for many runs"): an
# identical push of a 64 MiB database over the loopback sshd, RUNS times with a new login each run
# and RUNS times through a connection the first run left open (ControlMaster auto, ControlPersist 60,
# the socket in a directory of the bench's own); whole processes, alternating.
# Usage: bench/shared-connection.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-6}"
native=$(./scripts/build-native.sh 2>/dev/null)
source bench/loopback-sshd.sh
work=$(mktemp -d)
trap 'ssh -F "$work/shared_config" -O exit benchhost 2>/dev/null || true; rm -rf "$work"; kill "$(cat "$keys/sshd.pid")" 2>/dev/null; rm -rf "$keys"' EXIT
sqlite3 "$work/origin.db" "PRAGMA journal_mode=wal; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 65536) INSERT INTO t(v) SELECT randomblob(1000) FROM c;" >/dev/null
"$native" "$work/origin.db" "benchhost:$work/replica.db" --ssh "$bench_ssh" --exe "$native" -q
printf 'Host benchhost\n  ControlMaster auto\n  ControlPath %s/cm-%%C\n  ControlPersist 60\nInclude %s/ssh_config\n' "$work" "$keys" \
  > "$work/shared_config"
# The first shared run opens the connection the others reuse.
"$native" "$work/origin.db" "benchhost:$work/replica.db" --ssh "ssh -F $work/shared_config" --exe "$native" -q
for _ in $(seq "$runs"); do
  /usr/bin/time -f "new login: %e s" "$native" "$work/origin.db" "benchhost:$work/replica.db" --ssh "$bench_ssh" --exe "$native" -q
  /usr/bin/time -f "shared connection: %e s" "$native" "$work/origin.db" "benchhost:$work/replica.db" --ssh "ssh -F $work/shared_config" \
    --exe "$native" -q
done 2>&1 | sort
