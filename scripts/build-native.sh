#!/usr/bin/env bash
# Publishes the native single-file sqlrsync (Native AOT, SQLite linked in) to artifacts/native/sqlrsync
# and prints its path. Needs clang and zlib1g-dev besides the .NET SDK (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/native
dotnet publish src/Rsync.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$out" -nologo -v quiet >&2
echo "$PWD/$out/sqlrsync"
