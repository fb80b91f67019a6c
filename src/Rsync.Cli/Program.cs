using System.CommandLine;

namespace Rsync.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var version = new Option<bool>("--version") { Description = "Show the sqlrsync and SQLite versions." };
        var root = new RootCommand("sqlrsync: copy a live SQLite database, sending only the pages that differ.");
        root.Options.Remove(root.Options.OfType<VersionOption>().Single());
        root.Options.Add(version);
        root.SetAction(parse =>
        {
            if (parse.GetValue(version))
            {
                Console.Out.WriteLine(VersionReport.Text());
                return 0;
            }
            Console.Error.WriteLine("sqlrsync: error: nothing to do: give ORIGIN and REPLICA (see sqlrsync --help)");
            return 2;
        });
        return root.Parse(args).Invoke();
    }
}
