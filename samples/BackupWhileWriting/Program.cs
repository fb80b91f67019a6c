// Backs up a live database from inside the application that writes it: while one task inserts rows,
// the app syncs the database to a backup three times with sqlrsync's library, then checks the backup.
// Usage: dotnet run -- [DIRECTORY]   (default: a new directory under the system's temp folder)
using Microsoft.Data.Sqlite;
using SqlRsync;

var directory = args.Length > 0 ? args[0] : Directory.CreateTempSubdirectory("sqlrsync-sample-").FullName;
var database = Path.Combine(directory, "app.db");
var backup = Path.Combine(directory, "backup.db");

// First, before any connection opens: the app and sqlrsync then share one SQLite.
Console.WriteLine($"SQLite {DatabaseSync.InitializeSqlite()}");

using var writer = new SqliteConnection($"Data Source={database};Pooling=False");
writer.Open();
Run(writer, "PRAGMA journal_mode = wal; CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, at TEXT, payload BLOB)");

using var stop = new CancellationTokenSource();
long written = 0;
var writing = Task.Run(() =>
{
    while (!stop.IsCancellationRequested)
    {
        Run(writer, "INSERT INTO events(at, payload) VALUES (datetime('now'), randomblob(500))");
        Interlocked.Increment(ref written);
    }
});

for (int round = 1; round <= 3; round++)
{
    await Task.Delay(TimeSpan.FromMilliseconds(300));
    var result = await DatabaseSync.RunAsync(SyncEndpoint.Local(database), SyncEndpoint.Local(backup),
        new SyncOptions { BusyTimeout = TimeSpan.FromSeconds(10) });
    Console.WriteLine($"backup {round}: sent {result.PagesSent} of {result.OriginPageCount} pages; {Interlocked.Read(ref written)} rows written so far");
}
stop.Cancel();
await writing;

using var check = new SqliteConnection($"Data Source={backup};Mode=ReadOnly;Pooling=False");
check.Open();
var integrity = Query(check, "PRAGMA integrity_check");
var rows = Query(check, "SELECT count(*) FROM events");
Console.WriteLine($"backup {backup}: integrity {integrity}, {rows} of {written} rows");
return integrity == "ok" && long.Parse(rows) <= written ? 0 : 1;

static void Run(SqliteConnection connection, string sql)
{
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    command.ExecuteNonQuery();
}

static string Query(SqliteConnection connection, string sql)
{
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
}
