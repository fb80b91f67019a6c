#!/usr/bin/env bash
# A restore to a new file against a new replica of the same state (the archive issue's goal: at most
# 1.5x), in alternating pairs of whole processes into /dev/shm, so that the machine's noise falls on
# both alike: each pair's times, then the medians. ARCHIVE and SNAPSHOT name what to restore, STATE a
# database of the same size and kind for the new replica (archive-bench.sh leaves the archive and the
# states it took in its work directory).
# Usage: bench/restore-ratio.sh ARCHIVE SNAPSHOT STATE [PAIRS]
set -euo pipefail
cd "$(dirname "$0")/.."
archive=$1 snapshot=$2 state=$3 pairs=${4:-10}
native=$(./scripts/build-native.sh 2>/dev/null)
out=$(mktemp -d /dev/shm/restore-ratio.XXXXXX)
trap 'rm -rf "$out"' EXIT
seconds() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
for _ in $(seq "$pairs"); do
  restore=$(seconds "$native" "$archive" "$out/restored.db" --at "$snapshot" -q)
  rm -f "$out"/restored.db*
  replica=$(seconds "$native" "$state" "$out/replica.db" -q)
  rm -f "$out"/replica.db*
  echo "$restore $replica"
done | python3 -c '
import statistics, sys
pairs = [tuple(map(float, line.split())) for line in sys.stdin]
print(" ".join(f"{a:.2f}/{b:.2f}" for a, b in pairs))
restore, replica = statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs)
print(f"median restore {restore:.2f} s, new replica {replica:.2f} s: {restore / replica:.2f}x; median of the pairs ratios {statistics.median(a / b for a, b in pairs):.2f}x")'
