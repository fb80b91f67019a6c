#!/usr/bin/env bash
# After changing a library's public surface on purpose: adds every public symbol the build reports as
# undeclared (PublicApiAnalyzers' RS0016) to that project's PublicAPI.Unshipped.txt. Review the diff;
# symbols you removed must be deleted from the file by hand (the build names them, RS0017).
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/Rsync.Core src/Rsync.Ssh; do
  added=$(dotnet build "$project" -c Release 2>&1 | grep -E "error RS0016" | grep "$project/" \
    | sed -E "s/.*Symbol '(.*)' is not part of the declared public API.*/\1/" | sort -u || true)
  if [[ -n "$added" ]]; then
    { cat "$project/PublicAPI.Unshipped.txt"; echo "$added"; } | awk 'NR == 1 || !seen[$0]++' >"$project/PublicAPI.Unshipped.txt.new"
    mv "$project/PublicAPI.Unshipped.txt.new" "$project/PublicAPI.Unshipped.txt"
    echo "$project: $(echo "$added" | wc -l) symbols added to PublicAPI.Unshipped.txt"
  fi
done
