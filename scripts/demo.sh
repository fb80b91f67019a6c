#!/usr/bin/env bash
# A real sync of a generated example database with the native single-file sqlrsync: a full copy, a
# change on the origin, and an incremental sync that sends only the pages that changed.
# Uses /tmp/sqlrsync-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
demo=/tmp/sqlrsync-demo
rm -rf "$demo" && mkdir -p "$demo"

echo "== building the native sqlrsync (SQLite from npm, then Native AOT; a minute or two the first time)"
native=$(./scripts/build-native.sh)
sqlrsync() { "$native" "$@"; }
echo "   $native: one file, $(du -h "$native" | cut -f1)"

echo "== creating $demo/example.db (WAL, 20,000 orders)"
sqlite3 "$demo/example.db" >/dev/null <<'SQL'
PRAGMA journal_mode = wal;
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT, status TEXT, note BLOB);
CREATE INDEX orders_customer ON orders(customer);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO orders(customer, status, note) SELECT 'customer-' || (i % 700), 'pending', randomblob(300) FROM n;
SQL

echo "== first sync: a new replica"
sqlrsync "$demo/example.db" "$demo/replica.db" -v
echo "== the origin changes: 1% of the orders ship"
sqlite3 "$demo/example.db" "UPDATE orders SET status = 'shipped' WHERE id % 100 = 0"
echo "== second sync: only the changed pages travel"
sqlrsync "$demo/example.db" "$demo/replica.db" -v
echo "== the replica, checked by Debian's sqlite3"
sqlite3 "$demo/replica.db" "PRAGMA integrity_check; SELECT status, count(*) FROM orders GROUP BY status;"
