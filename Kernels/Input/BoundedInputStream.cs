namespace Dataflow.Kernels.Input;

/// <summary>A read-only stream over an input file that counts what it yields and throws an
/// <see cref="InputLimitException"/> as soon as the count passes the input limit, or, for a gzip file, the
/// compression-ratio limit: a decompression bomb is stopped after the limit's worth of bytes, in bounded memory.</summary>
/// <remarks>Open one with <see cref="BoundedInput.Open"/>.</remarks>
public sealed class BoundedInputStream : CountingStream
{
    private readonly CountingStream? _compressed;
    private readonly string _fileName;
    private readonly InputLimits _limits;

    internal BoundedInputStream(Stream inner, CountingStream? compressed, string fileName, InputLimits limits, long maxLength)
        : base(inner)
    {
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

    /// <inheritdoc />
    protected override void OnRead()
    {
        var position = BytesRead;
        var limit = _limits.MaxInputBytes;
        if (_compressed is null)
        {
            if (position > limit)
            {
                throw new InputLimitException(_fileName, limit, position,
                    $"more than {InputLimits.FormatBytes(limit)} read, the input limit ({InputLimits.MaxInputBytesVariable})");
            }
            return;
        }
        var compressed = _compressed.BytesRead;
        if (position > limit)
        {
            throw new InputLimitException(_fileName, limit, position,
                $"gzip data decompresses past the input limit of {InputLimits.FormatBytes(limit)} "
                + $"({InputLimits.MaxInputBytesVariable}); stopped after {InputLimits.FormatBytes(position)} from "
                + $"{InputLimits.FormatBytes(compressed)} compressed");
        }
        if (position > InputLimits.RatioCheckFloorBytes && position > _limits.MaxCompressionRatio * Math.Max(compressed, 1))
        {
            throw new InputLimitException(_fileName, (long)(_limits.MaxCompressionRatio * compressed), position,
                $"gzip data expands more than {_limits.MaxCompressionRatio:0.#} times (a decompression bomb?); "
                + $"stopped after {InputLimits.FormatBytes(position)} from {InputLimits.FormatBytes(compressed)} compressed");
        }
    }
}
