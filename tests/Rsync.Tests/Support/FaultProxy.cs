using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SqlRsync.Tests.Support;

/// <summary>
/// A real HTTP relay on 127.0.0.1 between an S3 client and a server (Swift), which fails the way
/// servers fail: rules pick requests by what they are (method and target) and by their turn among
/// those (the 2nd PUT of a pack, every one from the 3rd), and meet them with a <see cref="ProxyFault"/>;
/// <see cref="Stop"/> kills the server (connections refused, those open broken) until
/// <see cref="Restart"/>; <see cref="BytesPerSecond"/> makes it slow. Every request that reaches it is
/// kept, in order, with what was done to it and the status it was answered with.
/// Each connection carries one request: the proxy asks both sides to close after it, so a cut or a stop
/// never leaves the client a pooled connection in an unknown state, and every request is seen whole.
/// </summary>
public sealed class FaultProxy : IDisposable
{
    /// <summary>Relayed bytes go in pieces of this size, so that throttling paces smoothly and a cut falls where it is asked.</summary>
    private const int Piece = 16 << 10;

    private readonly IPEndPoint _server;
    private readonly List<FaultRule> _rules = [];
    private readonly ConcurrentQueue<ProxiedRequest> _requests = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _state = new();
    private TcpListener? _listener;
    private TimeSpan _paceDue;
    private int _numbered;

    /// <param name="server">The server's URL, http://127.0.0.1:PORT.</param>
    public FaultProxy(string server)
    {
        var url = new Uri(server);
        _server = new IPEndPoint(IPAddress.Parse(url.Host), url.Port);
        _listener = Listen(0);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    /// <summary>Where clients send requests instead of the server: http://127.0.0.1:PORT, the same port after a restart.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    private int Port { get; }

    /// <summary>How fast bytes go through, both ways and all connections together; 0 for as fast as they come.</summary>
    public long BytesPerSecond { get; set; }

    /// <summary>Every request seen so far, in the order they came.</summary>
    public IReadOnlyList<ProxiedRequest> Requests => [.. _requests];

    /// <summary>
    /// Meets the <paramref name="from"/>th request that <paramref name="matches"/> (counting from 1, from now on) and the
    /// <paramref name="times"/> - 1 matching ones after it with <paramref name="fault"/>; later rules win over earlier ones.
    /// </summary>
    public void Inject(Func<HttpHead, bool> matches, ProxyFault fault, int from = 1, int times = 1)
    {
        lock (_state)
        {
            _rules.Add(new FaultRule(matches, fault, from, times));
        }
    }

    /// <summary>Takes every rule away: from now on each request goes through untouched.</summary>
    public void ClearFaults()
    {
        lock (_state)
        {
            _rules.Clear();
        }
    }

    /// <summary>The server stops: no new connection is taken (they are refused), and every open one is broken.</summary>
    public void Stop()
    {
        lock (_state)
        {
            _listener?.Stop();
            _listener = null;
            foreach (var socket in _open.Keys)
            {
                Break(socket);
            }
        }
    }

    /// <summary>The server is back, on the same port.</summary>
    public void Restart()
    {
        lock (_state)
        {
            _listener ??= Listen(Port);
        }
    }

    public void Dispose() => Stop();

    private TcpListener Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        // The port's connections broken by a stop linger in TIME_WAIT; the restarted server must still bind it.
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _ = AcceptAsync(listener);
        return listener;
    }

    /// <summary>Takes connections until the listener is stopped, serving each on its own.</summary>
    private async Task AcceptAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptSocketAsync();
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(Socket client)
    {
        Socket? server = null;
        try
        {
            Track(client);
            using var fromClient = new NetworkStream(client);
            if (await HttpHead.ReadAsync(fromClient, CancellationToken.None) is not { } read)
            {
                return;
            }
            var (head, rest) = read;
            var fault = Choose(head);
            var request = new ProxiedRequest(Interlocked.Increment(ref _numbered), head.Method, head.Target, fault);
            _requests.Enqueue(request);
            switch (fault?.Kind)
            {
                case ProxyFaultKind.Reset:
                    Break(client);
                    StopIf(fault);
                    return;
                case ProxyFaultKind.Answer:
                    await AnswerAsync(fromClient, head, rest, request, fault.Status);
                    return;
                case ProxyFaultKind.Stall:
                    await Task.Delay(fault.Delay);
                    break;
                default:
                    break;
            }
            server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            Track(server);
            await server.ConnectAsync(_server);
            using var toServer = new NetworkStream(server);
            await toServer.WriteAsync(head.With("Connection", "close").ToBytes());
            var body = RelayRequestBodyAsync(fromClient, toServer, rest, head.BodyLength, fault);
            await RelayResponseAsync(toServer, fromClient, request, fault);
            await body;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidDataException)
        {
            // A side closed or was broken, by a fault or by the client giving up: the client sees what a real server would give it.
        }
        finally
        {
            Untrack(client);
            if (server is not null)
            {
                Untrack(server);
            }
        }
    }

    /// <summary>The fault for this request, counting it against every rule it matches.</summary>
    private ProxyFault? Choose(HttpHead head)
    {
        lock (_state)
        {
            ProxyFault? chosen = null;
            foreach (var rule in _rules)
            {
                if (rule.Matches(head) && rule.Count() is var turn && turn >= rule.From && turn < rule.From + rule.Times)
                {
                    chosen = rule.Fault;
                }
            }
            return chosen;
        }
    }

    /// <summary>Answers with an S3 error of <paramref name="status"/>, after taking the request's body as a server does.</summary>
    private async Task AnswerAsync(NetworkStream fromClient, HttpHead head, byte[] rest, ProxiedRequest request, int status)
    {
        // A client waiting for "100 Continue" sends no body; any other has sent it, and must not be reset before reading the answer.
        if (!string.Equals(head["Expect"], "100-continue", StringComparison.OrdinalIgnoreCase))
        {
            await CopyAsync(fromClient, Stream.Null, head.BodyLength - rest.Length);
        }
        var (code, reason) = status switch
        {
            500 => ("InternalError", "Internal Server Error"),
            503 => ("ServiceUnavailable", "Service Unavailable"),
            _ => ("InternalError", "Error"),
        };
        var id = request.Number.ToString("x16", CultureInfo.InvariantCulture);
        var xml = Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>" +
            $"<Message>injected by the test's proxy</Message><RequestId>{id}</RequestId></Error>");
        var answer = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {xml.Length}\r\n" +
            $"x-amz-request-id: {id}\r\nConnection: close\r\n\r\n");
        await fromClient.WriteAsync(answer);
        if (head.Method != "HEAD")
        {
            await fromClient.WriteAsync(xml);
        }
        request.Status = status;
    }

    /// <summary>The request's body to the server, but for a cut only half of it, then both connections broken.</summary>
    private async Task RelayRequestBodyAsync(NetworkStream fromClient, NetworkStream toServer, byte[] rest, long length, ProxyFault? fault)
    {
        long passing = fault?.Kind == ProxyFaultKind.CutRequestBody ? length / 2 : length;
        int first = (int)Math.Min(rest.Length, passing);
        await PaceAsync(first);
        await toServer.WriteAsync(rest.AsMemory(0, first));
        await CopyAsync(fromClient, toServer, passing - first);
        if (passing < length)
        {
            BreakBoth(fromClient, toServer, fault!);
        }
    }

    /// <summary>The server's answers to the client (an interim "100 Continue", then the final one), the final one cut if asked.</summary>
    private async Task RelayResponseAsync(NetworkStream fromServer, NetworkStream toClient, ProxiedRequest request, ProxyFault? fault)
    {
        HttpHead head;
        byte[] rest;
        // At most one interim answer comes before the final one.
        for (int interim = 0; ; interim++)
        {
            (head, rest) = await HttpHead.ReadAsync(fromServer, CancellationToken.None)
                ?? throw new IOException("the server closed without answering");
            if (head.Status >= 200 || interim == 1)
            {
                break;
            }
            await toClient.WriteAsync(head.ToBytes());
        }
        request.Status = head.Status;
        if (fault?.Kind == ProxyFaultKind.DropResponse)
        {
            BreakBoth(toClient, fromServer, fault);
            return;
        }
        await toClient.WriteAsync(head.With("Connection", "close").ToBytes());
        if (fault?.Kind == ProxyFaultKind.CutResponseBody)
        {
            long half = head.BodyLength / 2;
            int first = (int)Math.Min(rest.Length, half);
            await PaceAsync(first);
            await toClient.WriteAsync(rest.AsMemory(0, first));
            await CopyAsync(fromServer, toClient, half - first);
            BreakBoth(toClient, fromServer, fault);
            return;
        }
        await PaceAsync(rest.Length);
        await toClient.WriteAsync(rest);
        // Asked to close, the server ends the body by closing.
        await CopyAsync(fromServer, toClient, long.MaxValue);
    }

    /// <summary>Copies <paramref name="length"/> bytes (or up to the end, for long.MaxValue), paced; fewer is a broken connection.</summary>
    private async Task CopyAsync(Stream from, Stream to, long length)
    {
        var buffer = new byte[Piece];
        for (long left = length; left > 0;)
        {
            int read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)));
            if (read == 0)
            {
                if (length == long.MaxValue)
                {
                    return;
                }
                throw new IOException($"the connection closed with {left} of {length} bytes to come");
            }
            await PaceAsync(read);
            await to.WriteAsync(buffer.AsMemory(0, read));
            left -= read;
        }
    }

    /// <summary>Waits until <paramref name="bytes"/> more may go at <see cref="BytesPerSecond"/>: each piece takes the next slot on one clock.</summary>
    private async Task PaceAsync(int bytes)
    {
        long rate = BytesPerSecond;
        if (rate <= 0 || bytes == 0)
        {
            return;
        }
        TimeSpan wait;
        lock (_state)
        {
            var now = _clock.Elapsed;
            _paceDue = (_paceDue > now ? _paceDue : now) + TimeSpan.FromSeconds((double)bytes / rate);
            wait = _paceDue - now;
        }
        await Task.Delay(wait);
    }

    private void BreakBoth(NetworkStream one, NetworkStream other, ProxyFault fault)
    {
        Break(one.Socket);
        Break(other.Socket);
        StopIf(fault);
    }

    private void StopIf(ProxyFault fault)
    {
        if (fault.ThenStop)
        {
            Stop();
        }
    }

    private void Track(Socket socket)
    {
        _open[socket] = 0;
        // A connection that came in as the server stopped is broken with the rest.
        if (_listener is null)
        {
            Break(socket);
        }
    }

    private void Untrack(Socket socket)
    {
        _open.TryRemove(socket, out _);
        socket.Dispose();
    }

    /// <summary>Breaks a connection as a dying server does: a reset, whatever was sent or not.</summary>
    private static void Break(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
            // Closed already.
        }
    }

    /// <summary>One request the proxy saw: its place in the order they came, method, target (path and query), fault, and status.</summary>
    public sealed class ProxiedRequest(int number, string method, string target, ProxyFault? fault)
    {
        public int Number { get; } = number;

        public string Method { get; } = method;

        public string Target { get; } = target;

        public ProxyFault? Fault { get; } = fault;

        /// <summary>The status the client was answered with, 0 while none has been (or if none was: a break).</summary>
        public int Status { get; set; }

        public override string ToString() => $"{Method} {Target} {(Fault is null ? "" : Fault.Kind + " ")}{Status}";
    }

    /// <summary>A rule of <see cref="Inject"/> and how many requests it matched so far.</summary>
    private sealed class FaultRule(Func<HttpHead, bool> matches, ProxyFault fault, int from, int times)
    {
        private int _matched;

        public Func<HttpHead, bool> Matches { get; } = matches;

        public ProxyFault Fault { get; } = fault;

        public int From { get; } = from;

        public int Times { get; } = times;

        /// <summary>Counts one more match: its turn, from 1.</summary>
        public int Count() => ++_matched;
    }
}
