/* The limit for reading a database through SQLite: one read transaction, one scan of sqlite_dbpage,
 * memory-mapped as sqlrsync's reads are, each page touched once. Built by bench/compare.sh against our
 * own SQLite (native/sqlite); the few declarations it needs are written here, as sqlite3.h is not kept.
 * Usage: dbpage-scan DATABASE   (prints the page count and a checksum so the reads cannot be skipped) */
#include <stdio.h>
#include <string.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
int sqlite3_open_v2(const char *, sqlite3 **, int, const char *);
int sqlite3_exec(sqlite3 *, const char *, void *, void *, char **);
int sqlite3_prepare_v2(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);
int sqlite3_step(sqlite3_stmt *);
const void *sqlite3_column_blob(sqlite3_stmt *, int);
int sqlite3_column_bytes(sqlite3_stmt *, int);
int sqlite3_finalize(sqlite3_stmt *);
int sqlite3_close(sqlite3 *);
const char *sqlite3_errmsg(sqlite3 *);

#define SQLITE_OPEN_READONLY 0x00000001
#define SQLITE_ROW 100

int main(int argc, char **argv)
{
    sqlite3 *db;
    sqlite3_stmt *scan;
    unsigned long long pages = 0, checksum = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: dbpage-scan DATABASE\n");
        return 2;
    }
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, 0) != 0
        || sqlite3_exec(db, "PRAGMA mmap_size = 1099511627776; BEGIN; SELECT count(*) FROM sqlite_schema", 0, 0, 0) != 0
        || sqlite3_prepare_v2(db, "SELECT data FROM sqlite_dbpage", -1, &scan, 0) != 0) {
        fprintf(stderr, "dbpage-scan: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    while (sqlite3_step(scan) == SQLITE_ROW) {
        const unsigned char *data = sqlite3_column_blob(scan, 0);
        int length = sqlite3_column_bytes(scan, 0);
        unsigned long long word;
        memcpy(&word, data + length - sizeof word, sizeof word);
        checksum ^= word;
        pages++;
    }
    sqlite3_finalize(scan);
    sqlite3_close(db);
    printf("%llu pages, checksum %016llx\n", pages, checksum);
    return 0;
}
