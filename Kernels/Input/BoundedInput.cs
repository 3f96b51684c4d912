using System.IO.Compression;
using System.Text;

namespace Dataflow.Kernels.Input;

/// <summary>Opens input files within <see cref="InputLimits"/>: a file larger than the input limit is refused before
/// it is read, and a gzip file is decompressed through a <see cref="BoundedInputStream"/> that stops at the input
/// limit or the compression-ratio limit.</summary>
public static class BoundedInput
{
    /// <summary>Opens <paramref name="path"/> for reading, decompressing it when it starts with the gzip magic bytes
    /// and <paramref name="decompress"/> is set.</summary>
    /// <param name="path">The file; messages name it as given here.</param>
    /// <param name="limits">The limits to enforce.</param>
    /// <param name="decompress">Whether gzip data is decompressed (else it is read as it is).</param>
    /// <exception cref="InputLimitException">The file is larger than the input limit.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static BoundedInputStream Open(string path, InputLimits limits, bool decompress)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(limits);
        var file = File.OpenRead(path);
        try
        {
            Span<byte> magic = stackalloc byte[2];
            var isGzip = decompress && file.CanSeek && file.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            if (file.CanSeek)
            {
                file.Position = 0;
                if (file.Length > limits.MaxInputBytes)
                {
                    throw new InputLimitException(path, limits.MaxInputBytes, file.Length,
                        $"the file is {InputLimits.FormatBytes(file.Length)} ({file.Length} bytes), above the input limit "
                        + $"of {InputLimits.FormatBytes(limits.MaxInputBytes)} ({InputLimits.MaxInputBytesVariable})");
                }
            }
            if (!isGzip)
            {
                var length = file.CanSeek ? Math.Min(file.Length, limits.MaxInputBytes) : limits.MaxInputBytes;
                return new BoundedInputStream(file, null, path, limits, length);
            }
            var compressed = new CountingStream(file);
            return new BoundedInputStream(new GZipStream(compressed, CompressionMode.Decompress), compressed, path, limits,
                limits.MaxInputBytes);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The text of <paramref name="path"/> (UTF-8, decompressed when gzip and <paramref name="decompress"/>
    /// is set), read within <paramref name="limits"/>.</summary>
    /// <exception cref="InputLimitException">The file, or its decompressed data, is larger than the limits allow.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="FormatException">The gzip data is corrupt.</exception>
    public static string ReadAllText(string path, InputLimits limits, bool decompress)
    {
        using var stream = Open(path, limits, decompress);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        try
        {
            return reader.ReadToEnd();
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"{path}: corrupt gzip data after {InputLimits.FormatBytes(stream.BytesRead)}: {e.Message}", e);
        }
    }
}
