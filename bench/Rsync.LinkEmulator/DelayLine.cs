using System.Diagnostics;

namespace SqlRsync.LinkEmulator;

/// <summary>
/// One direction of the emulated link. Bytes read from the source are cut into segments, as a link cuts them
/// into packets; each segment leaves the sender once the link has serialised the segments before it at the
/// link's rate (a token bucket with no burst), then arrives a fixed delay later. Segments travel while later
/// ones are read, so the delay is latency, not a pause per chunk: a pipelining protocol pays it once, a
/// protocol that waits for each answer pays it on every round trip.
/// </summary>
internal sealed class DelayLine
{
    /// <summary>About an Ethernet packet's payload: a segment is delivered whole when its last byte would arrive.</summary>
    private const int SegmentBytes = 1448;

    private readonly Stream _source;
    private readonly Stream _destination;
    private readonly LinkSettings _link;
    private readonly Action _onSourceEnd;
    private readonly TurnCounter _turns;
    private readonly Queue<Segment> _inFlight = new();
    private long _bytesInFlight;
    private bool _sourceEnded;
    private bool _failed;

    /// <summary>A direction from <paramref name="source"/> to <paramref name="destination"/>; <paramref name="onSourceEnd"/> runs once
    /// every byte has arrived after the source ended (it half-closes the destination).</summary>
    public DelayLine(Stream source, Stream destination, LinkSettings link, TurnCounter turns, Action onSourceEnd)
    {
        _turns = turns;
        _source = source;
        _destination = destination;
        _link = link;
        _onSourceEnd = onSourceEnd;
    }

    /// <summary>Bytes carried so far.</summary>
    public long BytesCarried { get; private set; }

    /// <summary>Carries bytes until the source ends and all of them have arrived, or either end fails. Returns whether it ended cleanly.</summary>
    public bool Run()
    {
        var sender = new Thread(Send) { IsBackground = true, Name = "link sender" };
        sender.Start();
        Deliver();
        sender.Join();
        return !_failed;
    }

    /// <summary>Reads the source and schedules each segment's arrival.</summary>
    private void Send()
    {
        var buffer = new byte[64 * 1024];
        long linkFreeAt = Stopwatch.GetTimestamp();
        long delay = (long)(_link.OneWayDelayMs * Stopwatch.Frequency / 1000);
        try
        {
            while (true)
            {
                int read = _source.Read(buffer);
                if (read == 0)
                {
                    break;
                }
                _turns.Sent(this);
                long now = Stopwatch.GetTimestamp();
                for (int offset = 0; offset < read; offset += SegmentBytes)
                {
                    int length = Math.Min(SegmentBytes, read - offset);
                    long serialisation = double.IsInfinity(_link.RateMbit) ? 0 : (long)(length * Stopwatch.Frequency / _link.BytesPerSecond);
                    linkFreeAt = Math.Max(now, linkFreeAt) + serialisation;
                    Enqueue(new Segment(linkFreeAt + delay, buffer.AsSpan(offset, length).ToArray()));
                }
            }
        }
        catch (IOException)
        {
            Fail();
        }
        lock (_inFlight)
        {
            _sourceEnded = true;
            Monitor.PulseAll(_inFlight);
        }
    }

    private void Enqueue(Segment segment)
    {
        lock (_inFlight)
        {
            // Bounded: the wait ends as the deliverer takes segments, or when it gave up.
            while (_bytesInFlight >= _link.QueueLimit && !_failed)
            {
                Monitor.Wait(_inFlight);
            }
            if (_failed)
            {
                throw new IOException("the other end of the link is gone");
            }
            _inFlight.Enqueue(segment);
            _bytesInFlight += segment.Bytes.Length;
            Monitor.PulseAll(_inFlight);
        }
    }

    /// <summary>Writes each segment to the destination at its arrival time, every segment already due in one write.</summary>
    private void Deliver()
    {
        var due = new List<Segment>();
        try
        {
            while (TakeNext(due))
            {
                WaitUntil(due[0].ArrivesAt);
                TakeDue(due);
                foreach (var segment in due)
                {
                    _destination.Write(segment.Bytes);
                    BytesCarried += segment.Bytes.Length;
                }
                _destination.Flush();
                due.Clear();
            }
            _onSourceEnd();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            Fail();
        }
    }

    /// <summary>Sleeps until <paramref name="timestamp"/>, never less: a sleep is whole milliseconds, and one cut short would shorten the delay.</summary>
    private static void WaitUntil(long timestamp)
    {
        // Bounded by the clock: each pass sleeps at least a millisecond towards the arrival time.
        for (long wait = timestamp - Stopwatch.GetTimestamp(); wait > 0; wait = timestamp - Stopwatch.GetTimestamp())
        {
            Thread.Sleep((int)Math.Ceiling(wait * 1000.0 / Stopwatch.Frequency));
        }
    }

    /// <summary>Waits for the next segment and takes it; false once the source ended and nothing is left.</summary>
    private bool TakeNext(List<Segment> due)
    {
        lock (_inFlight)
        {
            // Each wait ends when the sender queues a segment or ends.
            while (_inFlight.Count == 0 && !_sourceEnded)
            {
                Monitor.Wait(_inFlight);
            }
            if (_inFlight.Count == 0)
            {
                return false;
            }
            Take(due);
            return true;
        }
    }

    /// <summary>Takes the segments that have arrived by now behind those in <paramref name="due"/> (arrival times only grow).</summary>
    private void TakeDue(List<Segment> due)
    {
        long now = Stopwatch.GetTimestamp();
        lock (_inFlight)
        {
            while (_inFlight.Count > 0 && _inFlight.Peek().ArrivesAt <= now)
            {
                Take(due);
            }
        }
    }

    private void Take(List<Segment> due)
    {
        var segment = _inFlight.Dequeue();
        _bytesInFlight -= segment.Bytes.Length;
        due.Add(segment);
        Monitor.PulseAll(_inFlight);
    }

    private void Fail()
    {
        lock (_inFlight)
        {
            _failed = true;
            _inFlight.Clear();
            _bytesInFlight = 0;
            Monitor.PulseAll(_inFlight);
        }
    }

    private readonly record struct Segment(long ArrivesAt, byte[] Bytes);
}
