using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SqlRsync.Tests.Support;

/// <summary>
/// A real S3-compatible server: OpenStack Swift with its s3api middleware (Debian's python3-swift) as one
/// node on 127.0.0.1, its rings, configs and disk in a temp directory, memcached and the account,
/// container, object and proxy servers as plain processes, all killed on dispose. Every server logs to a
/// UDP socket of this fixture, so nothing reaches the machine's syslog and <see cref="Requests"/> can
/// count what clients asked. When Swift cannot be started here, <see cref="Unavailable"/> says why
/// (tests then skip, saying so).
/// </summary>
public sealed class SwiftServer : IDisposable
{
    /// <summary>Debian's python: Swift lives in its dist-packages, which another python (pyenv) does not see.</summary>
    private const string Python = "/usr/bin/python3";
    private const string Memcached = "/usr/bin/memcached";
    private const string Packages = "Debian packages python3-swift and memcached; .ci/run installs them";
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Builds the account, container and object rings (part power 6, one replica, one device "d1" on
    /// 127.0.0.1) in the directory argv[1] for the server ports argv[2..4].
    /// </summary>
    private const string BuildRings = """
        import sys
        from swift.common.ring import RingBuilder
        for name, port in zip(("account", "container", "object"), sys.argv[2:5]):
            builder = RingBuilder(6, 1, 1)
            builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port), "device": "d1", "weight": 1})
            builder.rebalance()
            builder.get_ring().save(f"{sys.argv[1]}/{name}.ring.gz")
        """;

    /// <summary>
    /// Runs the server named argv[3] from the config argv[2], as swift-*-server would, but with swift.conf
    /// (hash path suffix and storage policies) read from argv[1]: the servers otherwise read it from
    /// /etc/swift whatever swift_dir says, and this server must not depend on what the machine has there.
    /// </summary>
    private const string RunServer = """
        import sys
        from swift.common import storage_policy, utils
        utils.set_swift_dir(sys.argv[1])
        storage_policy.reload_storage_policies()
        from swift.common.wsgi import run_wsgi
        sys.exit(run_wsgi(sys.argv[2], sys.argv[3]))
        """;

    private readonly TempDirectory _dir = new();
    private readonly List<(string Name, Process Process)> _processes = [];
    private readonly UdpClient _logSocket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly ConcurrentQueue<string> _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private int _markers;

    /// <summary>A request the proxy answers itself (Swift's /info) and logs; it marks a point in the access log.</summary>
    private const string MarkerPath = "/info?sqlrsync-marker=";

    public SwiftServer()
    {
        // Syslog datagrams are small and bursty; a large buffer keeps a busy test from losing lines.
        _logSocket.Client.ReceiveBufferSize = 4 << 20;
        new Thread(ReceiveLog) { IsBackground = true, Name = "swift log" }.Start();
        try
        {
            Start();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException or HttpRequestException)
        {
            Unavailable = e.Message;
            StopProcesses();
        }
    }

    /// <summary>Why Swift is not running, or null when it is.</summary>
    public string? Unavailable { get; }

    /// <summary>The S3 endpoint (path-style addressing only): http://127.0.0.1:PORT.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>tempauth's user "tester" of account "test": the colon belongs to the access key.</summary>
    public const string AccessKey = "test:tester";

    public const string SecretKey = "testing";

    /// <summary>tempauth's user "outsider" of account "test", no admin: it may sign requests, but reach no bucket the account has.</summary>
    public const string OutsiderAccessKey = "test:outsider";

    public const string OutsiderSecretKey = "outside";

    /// <summary>s3api's location: signatures must be made for this region.</summary>
    public const string Region = "us-east-1";

    /// <summary>Every log line so far, in arrival order, each starting with its server's name ("object-server: ...").</summary>
    public IReadOnlyList<string> Log => [.. _log];

    /// <summary>
    /// The requests S3 clients made so far, in the order the proxy finished them, from its access log
    /// ("proxy-access:" lines written by proxy-logging; s3api's own subrequests to Swift, which carry a
    /// swift.source, are left out). The proxy logs a request after its response has gone, so this first
    /// waits (at most 5 s) for the log line of a marker request sent now.
    /// </summary>
    public IReadOnlyList<ProxyRequest> ClientRequests()
    {
        var marker = $"{MarkerPath}{Interlocked.Increment(ref _markers)}";
        using (var response = _http.GetAsync(Endpoint + marker).GetAwaiter().GetResult())
        {
            response.EnsureSuccessStatusCode();
        }
        var deadline = Stopwatch.StartNew();
        while (!AccessLog().Any(request => request.Path == marker))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(5))
            {
                throw new TimeoutException($"the proxy's access log did not show {marker} within 5 s");
            }
            Thread.Sleep(10);
        }
        return [.. AccessLog().Where(request => request.Source == "-" && !request.Path.StartsWith(MarkerPath, StringComparison.Ordinal))];
    }

    /// <summary>How many S3 requests with <paramref name="method"/> (GET, PUT, ...) clients made so far.</summary>
    public int Requests(string method) => ClientRequests().Count(request => request.Method == method);

    /// <summary>One line of the proxy's access log: the client's method and path (with its query), the status and swift.source ("-"
    /// for a client's own request).</summary>
    public sealed record ProxyRequest(string Method, string Path, int Status, string Source);

    private IEnumerable<ProxyRequest> AccessLog()
    {
        foreach (var line in _log)
        {
            if (line.StartsWith("proxy-access: ", StringComparison.Ordinal))
            {
                // log_msg_template below: method, path, status and source, each quoted by proxy-logging so that none holds a space.
                var fields = line["proxy-access: ".Length..].Split(' ');
                yield return new ProxyRequest(fields[0], Uri.UnescapeDataString(fields[1]), int.Parse(fields[2], CultureInfo.InvariantCulture),
                    fields[3]);
            }
        }
    }

    private void Start()
    {
        var started = Stopwatch.StartNew();
        if (!File.Exists(Python) || !System.IO.Directory.Exists("/usr/lib/python3/dist-packages/swift"))
        {
            throw new InvalidOperationException($"Swift is not installed for {Python} ({Packages})");
        }
        if (!File.Exists(Memcached))
        {
            throw new InvalidOperationException($"{Memcached} is not installed ({Packages})");
        }
        var logPort = ((IPEndPoint)_logSocket.Client.LocalEndPoint!).Port;
        int proxy = FreePort(), account = FreePort(), container = FreePort(), obj = FreePort(), cache = FreePort();
        Endpoint = $"http://127.0.0.1:{proxy}";
        System.IO.Directory.CreateDirectory(_dir.File("devices/d1"));

        File.WriteAllText(_dir.File("swift.conf"), """
            [swift-hash]
            swift_hash_path_suffix = sqlrsync-tests

            [storage-policy:0]
            name = Policy-0
            default = yes
            """);
        var rings = ExternalProgram.Run(Python, ["-c", BuildRings, _dir.Path, $"{account}", $"{container}", $"{obj}"], timeoutSeconds: 30);
        if (rings.ExitCode != 0)
        {
            throw new InvalidOperationException($"building Swift's rings failed: {rings.StandardError.Trim()}");
        }
        File.WriteAllText(_dir.File("account-server.conf"), Common(account, logPort) + Backend("account"));
        File.WriteAllText(_dir.File("container-server.conf"), Common(container, logPort) + Backend("container"));
        File.WriteAllText(_dir.File("object-server.conf"), Common(obj, logPort) + Backend("object"));
        File.WriteAllText(_dir.File("proxy-server.conf"), Common(proxy, logPort) + Proxy(cache));

        // tempauth keeps its tokens and the proxy its account and container info in memcached; without one the proxy still answers,
        // but logs an error for every request and asks the backends again each time. A system memcached on 11211 is not ours.
        StartProcess("memcached", Memcached, ["-l", "127.0.0.1", "-p", $"{cache}", "-U", "0", "-m", "16", "-t", "1", "-u", Environment.UserName]);
        foreach (var name in new[] { "account-server", "container-server", "object-server", "proxy-server" })
        {
            StartProcess(name, Python, ["-c", RunServer, _dir.Path, _dir.File($"{name}.conf"), name]);
        }
        WaitForPort("memcached", cache, started);
        WaitForHealth("account-server", account, started);
        WaitForHealth("container-server", container, started);
        WaitForHealth("object-server", obj, started);
        WaitForHealth("proxy-server", proxy, started);
    }

    /// <summary>What every server's config starts with.</summary>
    private string Common(int port, int logPort) => $"""
        [DEFAULT]
        bind_ip = 127.0.0.1
        bind_port = {port}
        # One process, no forked workers: the PID this fixture holds is the whole server.
        workers = 0
        # Swift drops privileges to this user (default "swift", who could not write the temp directory).
        user = {Environment.UserName}
        swift_dir = {_dir.Path}
        devices = {_dir.File("devices")}
        mount_check = false
        log_udp_host = 127.0.0.1
        log_udp_port = {logPort}

        """;

    /// <summary>An account, container or object server, with /healthcheck to wait on.</summary>
    private static string Backend(string kind) => $"""
        [pipeline:main]
        pipeline = healthcheck {kind}-server

        [filter:healthcheck]
        use = egg:swift#healthcheck

        [app:{kind}-server]
        use = egg:swift#{kind}

        """;

    /// <summary>The proxy with s3api in front of tempauth, as docs.openstack.org's s3api page orders the pipeline.</summary>
    private static string Proxy(int cachePort) => $"""
        [pipeline:main]
        pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth
            copy slo dlo versioned_writes symlink proxy-logging proxy-server

        [app:proxy-server]
        use = egg:swift#proxy
        # tempauth's account AUTH_test is made on its first write.
        account_autocreate = true

        [filter:s3api]
        use = egg:swift#s3api
        location = {Region}

        [filter:tempauth]
        use = egg:swift#tempauth
        user_test_tester = {SecretKey} .admin
        user_test_outsider = {OutsiderSecretKey}

        [filter:proxy-logging]
        use = egg:swift#proxy_logging
        access_log_name = proxy-access
        log_msg_template = {"{method} {path} {status_int} {source}"}

        [filter:cache]
        use = egg:swift#memcache
        memcache_servers = 127.0.0.1:{cachePort}

        [filter:catch_errors]
        use = egg:swift#catch_errors

        [filter:gatekeeper]
        use = egg:swift#gatekeeper

        [filter:healthcheck]
        use = egg:swift#healthcheck

        [filter:listing_formats]
        use = egg:swift#listing_formats

        [filter:bulk]
        use = egg:swift#bulk

        [filter:copy]
        use = egg:swift#copy

        [filter:slo]
        use = egg:swift#slo

        [filter:dlo]
        use = egg:swift#dlo

        [filter:versioned_writes]
        use = egg:swift#versioned_writes

        [filter:symlink]
        use = egg:swift#symlink

        """;

    /// <summary>Starts a server; what it prints before its logger is set up (a traceback, a config error) joins the log.</summary>
    private void StartProcess(string name, string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir.Path,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start)!;
        _processes.Add((name, process));
        process.StandardInput.Close();
        process.OutputDataReceived += (_, line) => AddLine(name, line.Data);
        process.ErrorDataReceived += (_, line) => AddLine(name, line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void AddLine(string name, string? line)
    {
        if (!string.IsNullOrEmpty(line))
        {
            _log.Enqueue($"{name}: {line}");
        }
    }

    /// <summary>Takes the servers' syslog datagrams ("&lt;134&gt;proxy-access: PUT ...\0") until the socket is closed.</summary>
    private void ReceiveLog()
    {
        var from = new IPEndPoint(IPAddress.Loopback, 0);
        try
        {
            while (true)
            {
                var line = Encoding.UTF8.GetString(_logSocket.Receive(ref from)).TrimEnd('\0', '\n');
                _log.Enqueue(line.StartsWith('<') && line.IndexOf('>', StringComparison.Ordinal) is > 0 and var end ? line[(end + 1)..] : line);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Disposed: the servers are gone.
        }
    }

    private void WaitForPort(string name, int port, Stopwatch started)
    {
        while (true)
        {
            ThrowIfExited(name);
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                ThrowIfLate(name, "listen", started);
                Thread.Sleep(50);
            }
        }
    }

    private void WaitForHealth(string name, int port, Stopwatch started)
    {
        while (true)
        {
            ThrowIfExited(name);
            try
            {
                using var response = _http.GetAsync($"http://127.0.0.1:{port}/healthcheck").GetAwaiter().GetResult();
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            ThrowIfLate(name, "answer /healthcheck", started);
            Thread.Sleep(50);
        }
    }

    private void ThrowIfExited(string name)
    {
        var process = _processes.Single(entry => entry.Name == name).Process;
        if (process.HasExited)
        {
            process.WaitForExit();
            throw new InvalidOperationException($"Swift's {name} exited with code {process.ExitCode}: {Tail(name)}");
        }
    }

    private void ThrowIfLate(string name, string what, Stopwatch started)
    {
        if (started.Elapsed > StartLimit)
        {
            throw new TimeoutException($"Swift's {name} did not {what} within {StartLimit.TotalSeconds} s: {Tail(name)}");
        }
    }

    /// <summary>The last lines <paramref name="name"/> logged, on one line.</summary>
    private string Tail(string name)
    {
        var lines = _log.Where(line => line.StartsWith(name + ":", StringComparison.Ordinal)).TakeLast(10).ToList();
        return lines.Count == 0 ? "(it logged nothing)" : string.Join(" | ", lines);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills every process this fixture started by its PID, and any children (the servers setsid, so no group kill reaches them).</summary>
    private void StopProcesses()
    {
        foreach (var (_, process) in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the kill.
            }
            process.Dispose();
        }
        _processes.Clear();
    }

    public void Dispose()
    {
        StopProcesses();
        _logSocket.Dispose();
        _http.Dispose();
        _dir.Dispose();
    }
}
