#!/usr/bin/env bash
# After changing a library's public surface on purpose: brings each project's PublicAPI.Unshipped.txt in
# line with what the build reports, adding the public symbols it finds undeclared (PublicApiAnalyzers'
# RS0016) and removing the declared ones that are gone (RS0017); a gone symbol that has shipped
# (PublicAPI.Shipped.txt, as of 0.3.0) is marked *REMOVED* instead: a breaking change. Review the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/Rsync.Core src/Rsync.Ssh; do
  report=$(dotnet build "$project" -c Release 2>&1 | grep -E "error RS001[67]" | grep "$project/" || true)
  added=$(grep "RS0016" <<<"$report" | sed -E "s/.*Symbol '(.*)' is not part of the declared public API.*/\1/" | sort -u || true)
  removed=$(grep "RS0017" <<<"$report" | sed -E "s/.*Symbol '(.*)' is part of the declared API.*/\1/" | sort -u || true)
  [[ -n "$added$removed" ]] || continue
  python3 - "$project" "$added" "$removed" <<'PY'
import sys
project, added, removed = sys.argv[1], [l for l in sys.argv[2].splitlines() if l], set(l for l in sys.argv[3].splitlines() if l)
shipped = set(open(f"{project}/PublicAPI.Shipped.txt").read().splitlines())
path = f"{project}/PublicAPI.Unshipped.txt"
lines = [l for l in open(path).read().splitlines() if l not in removed]
lines += ["*REMOVED*" + l for l in sorted(removed & shipped) if "*REMOVED*" + l not in lines]
lines += [l for l in added if l not in lines]
open(path, "w").write("\n".join(lines) + "\n")
PY
  echo "$project: $(grep -c . <<<"$added" || true) symbols added, $(grep -c . <<<"$removed" || true) removed in PublicAPI.Unshipped.txt"
done
