# Sourced by the bench scripts: the database they share, rows of 1,000 random bytes (which neither compress
# nor deduplicate), in WAL mode.
# random_rows_database PATH ROWS: makes PATH with ROWS rows unless it exists (1,024 rows per MiB).
random_rows_database() {
  [[ -f "$1" ]] && return
  sqlite3 "$1" "PRAGMA journal_mode=wal; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < $2)
    INSERT INTO t(v) SELECT randomblob(1000) FROM c;" >/dev/null
}
