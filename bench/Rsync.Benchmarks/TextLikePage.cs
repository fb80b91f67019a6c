namespace SqlRsync.Benchmarks;

/// <summary>
/// A 4 KiB page as SQLite pages of ordinary tables usually look: text-like rows with repeated column
/// values after a 100-byte header. The same bytes every time (seeded), so benchmarks compare alike.
/// </summary>
internal static class TextLikePage
{
    public static byte[] Make()
    {
        var page = new byte[4096];
        var random = new Random(1);
        var words = new[] { "alpha", "beta", "gamma", "delta", "order", "customer", "2026-11-21", "shipped", "pending" };
        int offset = 100;
        while (offset < page.Length - 40)
        {
            int id = random.Next(100000);
            string first = words[random.Next(words.Length)], second = words[random.Next(words.Length)];
            var row = System.Text.Encoding.ASCII.GetBytes($"{id}|{first}|{second}|{random.Next(1000)}.{random.Next(100)};");
            row.AsSpan(0, Math.Min(row.Length, page.Length - offset)).CopyTo(page.AsSpan(offset));
            offset += row.Length;
        }
        return page;
    }
}
