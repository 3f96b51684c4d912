using System.Globalization;

namespace Dataflow.Kernels.Input;

/// <summary>Bounds on what an input file (an FCIDUMP, a LAMMPS data file) may make a reader read and allocate, checked
/// before the work they bound.</summary>
/// <remarks>
/// <para><see cref="MaxInputBytes"/>: the most bytes of text an input may hold, after decompression. Default 32 MiB,
/// or the environment variable <c>DATAFLOW_MAX_INPUT_BYTES</c>. The client ships an input's text inside its job, and
/// remoting frames are at most 64 MiB (<c>hocon/dataflow.conf</c>); the largest input in the repository is 4.2 MB
/// (<c>lj-32000.data.gz</c> decompressed), a 64-orbital FCIDUMP with every integral about 90 MB.</para>
/// <para><see cref="MemoryBudgetBytes"/>: the most a reader may allocate for what a file declares (atoms, orbitals)
/// before it reads the lines that fill it. Default half of the memory available to this process
/// (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>: physical memory or the container's limit), or the
/// environment variable <c>DATAFLOW_MEMORY_BUDGET</c>.</para>
/// <para><see cref="MaxCompressionRatio"/>: a gzip input is refused once its decompressed bytes exceed this many
/// times the compressed bytes read so far (after the first MiB; text data files compress 3 to 10 times, a stream of
/// zeros about 1000 times). Default 100.</para>
/// <para>Sizes in the environment are bytes, optionally with a binary suffix: <c>67108864</c>, <c>64MiB</c>,
/// <c>64M</c>, <c>8GiB</c>.</para>
/// </remarks>
/// <param name="MaxInputBytes">Most bytes of (decompressed) text in one input.</param>
/// <param name="MemoryBudgetBytes">Most bytes a reader may allocate for declared contents.</param>
/// <param name="MaxCompressionRatio">Most decompressed bytes per compressed byte of a gzip input.</param>
public sealed record InputLimits(long MaxInputBytes, long MemoryBudgetBytes, double MaxCompressionRatio = 100)
{
    /// <summary>The environment variable overriding <see cref="MaxInputBytes"/>.</summary>
    public const string MaxInputBytesVariable = "DATAFLOW_MAX_INPUT_BYTES";

    /// <summary>The environment variable overriding <see cref="MemoryBudgetBytes"/>.</summary>
    public const string MemoryBudgetVariable = "DATAFLOW_MEMORY_BUDGET";

    /// <summary>Default of <see cref="MaxInputBytes"/>: 32 MiB.</summary>
    public const long DefaultMaxInputBytes = 32L << 20;

    /// <summary>Decompressed bytes below which the compression ratio is not checked: a header alone may compress well.</summary>
    public const long RatioCheckFloorBytes = 1L << 20;

    /// <summary>The limits in effect: the defaults, overridden by the environment variables.</summary>
    /// <exception cref="FormatException">An environment variable holds no size; the message names it.</exception>
    public static InputLimits Current => new(
        SizeFromEnvironment(MaxInputBytesVariable) ?? DefaultMaxInputBytes,
        SizeFromEnvironment(MemoryBudgetVariable) ?? DefaultMemoryBudgetBytes());

    /// <summary>Half of the memory available to this process (physical memory or the container's limit).</summary>
    public static long DefaultMemoryBudgetBytes() => Math.Max(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2, 64L << 20);

    /// <summary>Null when <paramref name="bytes"/> fit the memory budget, else what to say about it:
    /// <c>{what} needs 48.0 GiB, above the memory budget of 8.0 GiB (DATAFLOW_MEMORY_BUDGET)</c>.</summary>
    /// <param name="bytes">What the declared contents need.</param>
    /// <param name="what">The declaration, e.g. <c>'2000000000 atoms'</c>.</param>
    public string? MemoryProblem(double bytes, string what) => bytes > MemoryBudgetBytes
        ? $"{what} needs {FormatBytes(bytes)}, above the memory budget of {FormatBytes(MemoryBudgetBytes)} ({MemoryBudgetVariable})"
        : null;

    /// <summary>A size in bytes, optionally with a binary suffix (<c>64MiB</c>, <c>64M</c>, <c>8GiB</c>, <c>512k</c>).</summary>
    /// <exception cref="FormatException">Not a non-negative size.</exception>
    public static long ParseSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        var digits = 0;
        while (digits < t.Length && char.IsAsciiDigit(t[digits]))
        {
            digits++;
        }
        var shift = t[digits..].ToUpperInvariant() switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 10,
            "M" or "MB" or "MIB" => 20,
            "G" or "GB" or "GIB" => 30,
            "T" or "TB" or "TIB" => 40,
            _ => -1,
        };
        if (digits == 0 || shift < 0
            || !long.TryParse(t.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value > long.MaxValue >> shift)
        {
            throw new FormatException($"'{text}' is not a size: expected bytes such as 67108864 or 64MiB");
        }
        return value << shift;
    }

    /// <summary>A byte count for messages: <c>812 bytes</c>, <c>3.0 MiB</c>, <c>48.0 GiB</c>.</summary>
    public static string FormatBytes(double bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes:0} bytes"),
        < 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024:0.0} KiB"),
        < 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 20):0.0} MiB"),
        < 1L << 40 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 30):0.0} GiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 40):0.0} TiB"),
    };

    private static long? SizeFromEnvironment(string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } value)
        {
            return null;
        }
        try
        {
            return ParseSize(value);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{variable}: {e.Message}", e);
        }
    }
}
