#!/usr/bin/env bash
# Packs sqlrsync as a .NET tool, installs it into a temporary tool path as a user would on a server
# (dotnet tool install --add-source), and checks that the installed tool runs our SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

dotnet pack src/Rsync.Cli -c Release -o "$work/nupkg" -nologo -v quiet >/dev/null
dotnet tool install --tool-path "$work/tools" sqlrsync --add-source "$work/nupkg" >/dev/null
report="$("$work/tools/sqlrsync" --version)"
echo "$report" | sed 's/^/installed tool: /'
grep -q '^SQLite 3.54.1$' <<<"$report"
grep -q '^sqlite_dbpage: available$' <<<"$report"
