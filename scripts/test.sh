#!/usr/bin/env bash
# Builds everything and runs every test project; ends with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

log="$(mktemp)"
# The native single file first: the tests that upload sqlrsync to a bare remote host run it.
echo "building the native sqlrsync (artifacts/native/sqlrsync)..."
if ! ./scripts/build-native.sh >/dev/null; then
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
dotnet test SqlRsync.sln -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# VSTest prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 23, Skipped: 0, Total: 23, ..."
read -r passed failed skipped < <(grep -E '^(Passed|Failed)! +- Failed:' "$log" | awk -F'[:,]' \
  '{ f += $2; p += $4; s += $6 } END { printf "%d %d %d\n", p, f, s }')
rm -f "$log"

if [[ $status -ne 0 && $failed -eq 0 ]]; then
  failed=1  # the build or the test host failed before counting anything
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
