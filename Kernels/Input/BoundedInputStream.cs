namespace Dataflow.Kernels.Input;

/// <summary>A read-only stream over an input file that counts what it yields and throws an
/// <see cref="InputLimitException"/> as soon as the count passes the input limit, or, for a gzip file, the
/// compression-ratio limit: a decompression bomb is stopped after the limit's worth of bytes, in bounded memory.</summary>
/// <remarks>Open one with <see cref="BoundedInput.Open"/>.</remarks>
public sealed class BoundedInputStream : Stream
{
    private readonly Stream _inner;
    private readonly CountingStream? _compressed;
    private readonly string _fileName;
    private readonly InputLimits _limits;
    private long _position;

    internal BoundedInputStream(Stream inner, CountingStream? compressed, string fileName, InputLimits limits, long maxLength)
    {
        _inner = inner;
        _compressed = compressed;
        _fileName = fileName;
        _limits = limits;
        MaxLength = maxLength;
    }

    /// <summary>The most bytes this stream will yield before it throws: the file's length for plain files, the input
    /// limit for compressed ones.</summary>
    public long MaxLength { get; }

    /// <summary>Whether the file is gzip-compressed.</summary>
    public bool IsCompressed => _compressed is not null;

    /// <summary>Bytes yielded so far (decompressed).</summary>
    public long BytesRead => _position;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        _position += n;
        Check();
        return n;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private void Check()
    {
        var limit = _limits.MaxInputBytes;
        if (_compressed is null)
        {
            if (_position > limit)
            {
                throw new InputLimitException(_fileName, limit, _position,
                    $"more than {InputLimits.FormatBytes(limit)} read, the input limit ({InputLimits.MaxInputBytesVariable})");
            }
            return;
        }
        var compressed = _compressed.BytesRead;
        if (_position > limit)
        {
            throw new InputLimitException(_fileName, limit, _position,
                $"gzip data decompresses past the input limit of {InputLimits.FormatBytes(limit)} "
                + $"({InputLimits.MaxInputBytesVariable}); stopped after {InputLimits.FormatBytes(_position)} from "
                + $"{InputLimits.FormatBytes(compressed)} compressed");
        }
        if (_position > InputLimits.RatioCheckFloorBytes && _position > _limits.MaxCompressionRatio * Math.Max(compressed, 1))
        {
            throw new InputLimitException(_fileName, (long)(_limits.MaxCompressionRatio * compressed), _position,
                $"gzip data expands more than {_limits.MaxCompressionRatio:0.#} times (a decompression bomb?); "
                + $"stopped after {InputLimits.FormatBytes(_position)} from {InputLimits.FormatBytes(compressed)} compressed");
        }
    }
}
