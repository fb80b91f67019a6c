#!/usr/bin/env bash
# Builds everything and runs every test project; prints each reason tests were skipped for, once, with
# how many it skipped; ends with one line "N passed, N failed, N skipped".
# Usage: scripts/test.sh [--fast]   (--fast: the fast project alone, tests/Rsync.FastTests: pure logic
# and in-process syncs, no child process or sshd, under a minute; for the inner loop)
set -uo pipefail
cd "$(dirname "$0")/.."

target=SqlRsync.sln
if [[ "${1:-}" == "--fast" ]]; then
  target=tests/Rsync.FastTests
elif [[ $# -gt 0 ]]; then
  echo "usage: scripts/test.sh [--fast]" >&2
  exit 2
fi
log="$(mktemp)"
results="$(mktemp -d)"
trap 'rm -rf "$log" "$results"' EXIT
if [[ $target == SqlRsync.sln ]]; then
  # The native single file first: the tests that upload sqlrsync to a bare remote host run it.
  echo "building the native sqlrsync (artifacts/native/sqlrsync)..."
  if ! ./scripts/build-native.sh >/dev/null; then
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
  fi
fi
dotnet test "$target" -c Release --logger "trx;LogFilePrefix=results" --results-directory "$results" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# VSTest prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 23, Skipped: 0, Total: 23, ..."
read -r passed failed skipped < <(grep -E '^(Passed|Failed)! +- Failed:' "$log" | awk -F'[:,]' \
  '{ f += $2; p += $4; s += $6 } END { printf "%d %d %d\n", p, f, s }')

if [[ $skipped -gt 0 ]]; then
  # A skipped test's reason is its message in the TRX report (Skip.If's text).
  python3 - "$results" <<'PY'
import collections, glob, sys, xml.etree.ElementTree as tree
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
reasons = collections.Counter()
for report in glob.glob(f"{sys.argv[1]}/*.trx"):
    for result in tree.parse(report).getroot().iterfind(".//t:UnitTestResult[@outcome='NotExecuted']", ns):
        message = result.find("t:Output/t:ErrorInfo/t:Message", ns)
        reasons[(message.text or "no reason given").strip() if message is not None else "no reason given"] += 1
for reason, count in reasons.most_common():
    print(f"skipped {count}: {reason}")
PY
fi

if [[ $status -ne 0 && $failed -eq 0 ]]; then
  failed=1  # the build or the test host failed before counting anything
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
