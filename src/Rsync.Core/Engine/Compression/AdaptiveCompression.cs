namespace SqlRsync.Engine.Compression;

/// <summary>
/// Decides page by page whether compression is worth trying. Pages of encrypted, compressed or random
/// data do not shrink, and trying Brotli on each costs more time than the link saves: after a run of
/// pages that saved less than 10%, compression pauses for a stretch of pages and then tries again.
/// </summary>
internal sealed class AdaptiveCompression(bool enabled)
{
    private const int Window = 64;
    private const int Pause = 1024;
    private const double WorthwhileRatio = 0.9;

    private long _windowRaw;
    private long _windowCompressed;
    private int _windowPages;
    private int _pausedPages;

    public bool ShouldTry()
    {
        if (!enabled)
        {
            return false;
        }
        if (_pausedPages > 0)
        {
            _pausedPages--;
            return false;
        }
        return true;
    }

    /// <summary>Records what one tried page came to (its raw length when it did not shrink).</summary>
    public void Record(int rawLength, int compressedLength)
    {
        _windowRaw += rawLength;
        _windowCompressed += compressedLength;
        if (++_windowPages < Window)
        {
            return;
        }
        if (_windowCompressed > _windowRaw * WorthwhileRatio)
        {
            _pausedPages = Pause;
        }
        _windowRaw = _windowCompressed = _windowPages = 0;
    }
}
