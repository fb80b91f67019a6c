using System.Net.Sockets;
using System.Runtime.InteropServices;
using SqlRsync.LinkEmulator;

// An ssh ProxyCommand that puts a slow, distant link between ssh and its server:
//   ssh -o ProxyCommand="dotnet link-emulator.dll --delay-ms 25 --rate-mbit 200 %h %p" HOST
// ssh's bytes (our stdin) go to HOST:PORT and the server's come back on our stdout, each direction delayed
// and paced on its own (DelayLine). This kernel has no netem, so the link is emulated here, in user space,
// on the one path that matters: the ssh connection a sync runs over.
var link = LinkSettings.Parse(args);
if (link is null)
{
    Console.Error.WriteLine(LinkSettings.Usage);
    return 2;
}

using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
try
{
    socket.Connect(link.Host, link.Port);
}
catch (SocketException e)
{
    Console.Error.WriteLine($"link-emulator: cannot connect to {link.Host}:{link.Port}: {e.Message}");
    return 1;
}
// ssh sends its ProxyCommand SIGHUP as it exits; by then the link is closing anyway, and the report still has to be written.
using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => context.Cancel = true);
using var network = new NetworkStream(socket, ownsSocket: false);
using var input = Console.OpenStandardInput();
using var output = Console.OpenStandardOutput();

var turns = new TurnCounter();
var outbound = new DelayLine(input, network, link, turns, onSourceEnd: () => socket.Shutdown(SocketShutdown.Send));
var inbound = new DelayLine(network, output, link, turns, onSourceEnd: output.Close);
var outboundRun = Task.Run(outbound.Run);
bool inboundClean = inbound.Run();
// The server has closed and everything it sent has arrived: ssh is finishing, and our stdin ends with it.
bool outboundClean = await outboundRun;
if (link.ReportPath is not null)
{
    File.AppendAllText(link.ReportPath, $"up {outbound.BytesCarried} down {inbound.BytesCarried} turns {turns.Turns}\n");
}
return inboundClean && outboundClean ? 0 : 1;
