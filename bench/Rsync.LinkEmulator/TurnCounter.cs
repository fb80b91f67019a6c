namespace SqlRsync.LinkEmulator;

/// <summary>
/// Counts the turns of a conversation as the link sees them: a turn is a run of bytes one way after bytes went
/// the other way. Every answer that one side waits for is a turn back, so a conversation of n round trips makes
/// 2n turns, whatever the bytes mean; ssh's own messages (its login, its window updates) count too, which is why
/// a bench subtracts the turns of a bare login. Read at each send, before the delay, so the order is the senders'.
/// </summary>
internal sealed class TurnCounter
{
    private readonly object _gate = new();
    private DelayLine? _lastSender;

    public int Turns { get; private set; }

    /// <summary>Notes that <paramref name="sender"/> has sent bytes now.</summary>
    public void Sent(DelayLine sender)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(sender, _lastSender))
            {
                Turns++;
                _lastSender = sender;
            }
        }
    }
}
