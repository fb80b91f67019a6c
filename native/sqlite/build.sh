#!/usr/bin/env bash
# Builds libsqlrsync_sqlite3.so (our SQLite, under a name no other package uses) from the official
# SQLite amalgamation carried by a pinned npm package, with sqlite_dbpage and snapshots enabled, and
# libsqlrsync_sqlite3.a from the same object, which Native AOT links into the single executable.
# Usage: build.sh OUTPUT_DIR   — does nothing when OUTPUT_DIR already holds a build of this recipe.
# NPM and CC name the npm and C compiler to use (default: npm, cc).
set -euo pipefail

PACKAGE="better-sqlite3@13.2.0"
PACKAGE_SHA256="40487589df3496f2ee0079d22b73c63fccebe7db0e8ee9a2c42421861e321e0b"
SQLITE_C_SHA256="75a4760a7b9727a4c4c877aec92eacf39e52a8f2921ce00bd33be6d3a8e8e254"
SQLITE_VERSION="3.54.1"

# Every option is explained in README.md beside this script.
DEFINES=(
  -DSQLITE_ENABLE_DBPAGE_VTAB
  -DSQLITE_ENABLE_SNAPSHOT
  -DSQLITE_THREADSAFE=1
  -DSQLITE_DQS=0
  -DSQLITE_ENABLE_FTS3
  -DSQLITE_ENABLE_FTS3_PARENTHESIS
  -DSQLITE_ENABLE_FTS4
  -DSQLITE_ENABLE_FTS5
  -DSQLITE_ENABLE_RTREE
  -DSQLITE_ENABLE_GEOPOLY
  -DSQLITE_ENABLE_MATH_FUNCTIONS
  -DSQLITE_ENABLE_COLUMN_METADATA
  -DSQLITE_DEFAULT_MEMSTATUS=0
  -DSQLITE_MAX_MMAP_SIZE=0x10000000000
  -DHAVE_USLEEP=1
)
CFLAGS=(-O2 -fPIC -fvisibility=default)

fail() { echo "native/sqlite/build.sh: error SQLRSYNC001: $*" >&2; exit 1; }

out_dir="${1:?usage: build.sh OUTPUT_DIR}"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
library="$out_dir/libsqlrsync_sqlite3.so"
archive="$out_dir/libsqlrsync_sqlite3.a"
recipe="$PACKAGE $PACKAGE_SHA256 ${DEFINES[*]} ${CFLAGS[*]}"

# Two builds started at once (for example two test projects) must not race on the same output.
exec 9>"$out_dir/.lock"
flock 9

if [[ -f "$library" && -f "$archive" && -f "$out_dir/recipe" && "$(cat "$out_dir/recipe")" == "$recipe" ]]; then
  exit 0
fi

NPM="${NPM:-npm}"
command -v "$NPM" >/dev/null 2>&1 || fail "npm ('$NPM') not found: install Node.js and npm (Debian: apt-get install nodejs npm) to fetch the SQLite $SQLITE_VERSION amalgamation."
CC="${CC:-cc}"
command -v "$CC" >/dev/null 2>&1 || fail "C compiler '$CC' not found: install one (Debian: apt-get install gcc) or set CC."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

( cd "$work" && "$NPM" pack "$PACKAGE" --silent >/dev/null 2>npm.log ) \
  || fail "npm pack $PACKAGE failed: $(tail -n 1 "$work/npm.log")"
tarball="$(ls "$work"/*.tgz)"
echo "$PACKAGE_SHA256  $tarball" | sha256sum --quiet -c - \
  || fail "$PACKAGE checksum mismatch: expected sha256 $PACKAGE_SHA256; refusing to build from it."

tar -xzf "$tarball" -C "$work" package/deps/sqlite3/sqlite3.c package/deps/sqlite3/sqlite3.h
source="$work/package/deps/sqlite3/sqlite3.c"
echo "$SQLITE_C_SHA256  $source" | sha256sum --quiet -c - \
  || fail "sqlite3.c checksum mismatch: expected sha256 $SQLITE_C_SHA256."
grep -q "#define SQLITE_VERSION *\"$SQLITE_VERSION\"" "$work/package/deps/sqlite3/sqlite3.h" \
  || fail "$PACKAGE does not carry SQLite $SQLITE_VERSION."

"$CC" "${CFLAGS[@]}" "${DEFINES[@]}" -c -o "$work/sqlite3.o" "$source" \
  || fail "compiling sqlite3.c with $CC failed (see the compiler output above)."
"$CC" -shared -o "$work/libsqlrsync_sqlite3.so" "$work/sqlite3.o" -lpthread -lm -ldl \
  || fail "linking libsqlrsync_sqlite3.so with $CC failed (see the output above)."
ar rcs "$work/libsqlrsync_sqlite3.a" "$work/sqlite3.o" \
  || fail "ar could not make libsqlrsync_sqlite3.a (Debian: apt-get install binutils)."

mv "$work/libsqlrsync_sqlite3.so" "$library"
mv "$work/libsqlrsync_sqlite3.a" "$archive"
echo "$recipe" > "$out_dir/recipe"
