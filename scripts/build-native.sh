#!/usr/bin/env bash
# Publishes the native single-file sqlrsync (Native AOT, SQLite linked in) to artifacts/native/sqlrsync
# and prints its path. Needs clang and zlib1g-dev besides the .NET SDK (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/native
echo "building the native sqlrsync: restoring packages, compiling SQLite from its npm package, then Native AOT (a minute or two the first time)" >&2
dotnet publish src/Rsync.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$out" -nologo -v minimal -clp:NoSummary >&2
echo "$PWD/$out/sqlrsync"
