namespace SqlRsync.Tests.Support;

/// <summary>
/// What <see cref="FaultProxy"/> does to a request one of its rules picks, each as a failing server
/// would do it: answer an error itself, break the connection in the middle of the request's body or
/// of the response's, or after the server did the work but before its answer, reset it before the
/// request reaches the server, or hold the request before passing it on. With
/// <see cref="ThenStop"/> the server stops there, as one killed at that moment (the proxy refuses
/// connections until <see cref="FaultProxy.Restart"/>).
/// </summary>
public sealed record ProxyFault(ProxyFaultKind Kind, int Status = 0, TimeSpan Delay = default, bool ThenStop = false)
{
    /// <summary>Answers <paramref name="status"/> (500, 503) with S3's XML error body, as an overloaded or failing server does.</summary>
    public static ProxyFault Answer(int status) => new(ProxyFaultKind.Answer, Status: status);

    /// <summary>Passes on the head and half the body of the request, then breaks both connections: the server died mid-upload.</summary>
    public static ProxyFault CutRequestBody(bool thenStop = false) => new(ProxyFaultKind.CutRequestBody, ThenStop: thenStop);

    /// <summary>Passes on the request, then the head and half the body of the answer, then breaks both connections.</summary>
    public static ProxyFault CutResponseBody(bool thenStop = false) => new(ProxyFaultKind.CutResponseBody, ThenStop: thenStop);

    /// <summary>Passes on the whole request and lets the server answer, then breaks both connections instead of passing the answer on.</summary>
    public static ProxyFault DropResponse(bool thenStop = false) => new(ProxyFaultKind.DropResponse, ThenStop: thenStop);

    /// <summary>Resets the connection as soon as the request's head has come, passing nothing on: a server restarting.</summary>
    public static ProxyFault Reset(bool thenStop = false) => new(ProxyFaultKind.Reset, ThenStop: thenStop);

    /// <summary>Holds the request for <paramref name="delay"/> before passing it on: a server that hangs.</summary>
    public static ProxyFault Stall(TimeSpan delay) => new(ProxyFaultKind.Stall, Delay: delay);
}

/// <summary>The kinds of <see cref="ProxyFault"/>.</summary>
public enum ProxyFaultKind
{
    Answer,
    CutRequestBody,
    CutResponseBody,
    DropResponse,
    Reset,
    Stall,
}
