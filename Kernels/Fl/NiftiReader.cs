using System.Buffers.Binary;
using System.IO.Compression;

namespace Dataflow.Kernels.Fl;

/// <summary>A 3-D NIfTI-1 image: its size and voxel values (x fastest), scaled by <c>scl_slope</c>/<c>scl_inter</c>.</summary>
public sealed record NiftiImage(int NX, int NY, int NZ, float[] Voxels);

/// <summary>Reads single-file NIfTI-1 images (<c>.nii</c>, or gzip-compressed <c>.nii.gz</c>).</summary>
/// <remarks>
/// The format is the NIfTI-1 header of the Data Format Working Group (nifti1.h, 2004): a 348-byte header (its first
/// int32, <c>sizeof_hdr</c>, is 348 in the file's byte order, which tells the order), <c>dim[8]</c> at byte 40,
/// <c>datatype</c> at 70, <c>bitpix</c> at 72, <c>vox_offset</c> at 108, <c>scl_slope</c> and <c>scl_inter</c> at
/// 112 and 116, and the magic <c>"n+1\0"</c> at 344; the voxels start at <c>vox_offset</c>. No maintained .NET reader
/// is served here, so this one reads what segmentation data sets hold: 3-D images (trailing dimensions of 1) of
/// uint8, int8, int16, uint16, int32, uint32, float32 or float64. Anything else is an <see cref="InvalidDataException"/>
/// naming the file and what was wrong.
/// </remarks>
public static class NiftiReader
{
    private const int HeaderBytes = 348;

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a readable 3-D NIfTI-1 image.</exception>
    public static NiftiImage Read(string path)
    {
        byte[] bytes;
        try
        {
            using var file = File.OpenRead(path);
            var gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
            file.Position = 0;
            using var stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            bytes = memory.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a valid gzip stream ({e.Message})", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses the bytes of an uncompressed NIfTI-1 file; <paramref name="name"/> is used in errors.</summary>
    public static NiftiImage Parse(byte[] bytes, string name)
    {
        if (bytes.Length < HeaderBytes + 4)
        {
            throw new InvalidDataException($"{name}: {bytes.Length} bytes, shorter than a NIfTI-1 header (348 bytes)");
        }
        bool little;
        if (BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan()) == HeaderBytes)
        {
            little = true;
        }
        else if (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan()) == HeaderBytes)
        {
            little = false;
        }
        else
        {
            throw new InvalidDataException($"{name}: sizeof_hdr is not 348 in either byte order: not a NIfTI-1 file");
        }
        short I16(int at) => little ? BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(at)) : BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(at));
        float F32(int at) => little ? BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at)) : BinaryPrimitives.ReadSingleBigEndian(bytes.AsSpan(at));
        var magic = System.Text.Encoding.ASCII.GetString(bytes, 344, 3);
        if (magic != "n+1")
        {
            throw new InvalidDataException(magic == "ni1"
                ? $"{name}: a two-file NIfTI pair (.hdr/.img); only single-file .nii images are read"
                : $"{name}: magic is not \"n+1\" (byte 344): not a NIfTI-1 file");
        }
        var rank = I16(40);
        if (rank is < 3 or > 7)
        {
            throw new InvalidDataException($"{name}: dim[0] is {rank}; a 3-D image has 3");
        }
        var nx = I16(42);
        var ny = I16(44);
        var nz = I16(46);
        for (var d = 4; d <= rank; d++)
        {
            if (I16(40 + 2 * d) > 1)
            {
                throw new InvalidDataException($"{name}: dim[{d}] is {I16(40 + 2 * d)}; only 3-D images (one volume) are read");
            }
        }
        if (nx < 1 || ny < 1 || nz < 1)
        {
            throw new InvalidDataException($"{name}: dimensions {nx}x{ny}x{nz} are not positive");
        }
        var datatype = I16(70);
        var size = datatype switch
        {
            2 or 256 => 1,
            4 or 512 => 2,
            8 or 16 or 768 => 4,
            64 => 8,
            _ => throw new InvalidDataException($"{name}: datatype {datatype} is not supported (uint8, int8, int16, uint16, int32, uint32, float32, float64 are)"),
        };
        var offset = F32(108);
        if (!float.IsFinite(offset) || offset < HeaderBytes + 4)
        {
            throw new InvalidDataException($"{name}: vox_offset {offset} is before the end of the header (352)");
        }
        var count = (long)nx * ny * nz;
        var start = (long)offset;
        if (start + count * size > bytes.Length)
        {
            throw new InvalidDataException($"{name}: {nx}x{ny}x{nz} voxels of {size} bytes from byte {start} need {start + count * size} bytes, the file has {bytes.Length}");
        }
        var slope = F32(112);
        var intercept = F32(116);
        var scale = float.IsFinite(slope) && slope != 0;
        var voxels = new float[count];
        var data = bytes.AsSpan((int)start);
        for (var i = 0; i < count; i++)
        {
            var at = data[(i * size)..];
            double v = datatype switch
            {
                2 => at[0],
                256 => (sbyte)at[0],
                4 => little ? BinaryPrimitives.ReadInt16LittleEndian(at) : BinaryPrimitives.ReadInt16BigEndian(at),
                512 => little ? BinaryPrimitives.ReadUInt16LittleEndian(at) : BinaryPrimitives.ReadUInt16BigEndian(at),
                8 => little ? BinaryPrimitives.ReadInt32LittleEndian(at) : BinaryPrimitives.ReadInt32BigEndian(at),
                768 => little ? BinaryPrimitives.ReadUInt32LittleEndian(at) : BinaryPrimitives.ReadUInt32BigEndian(at),
                16 => little ? BinaryPrimitives.ReadSingleLittleEndian(at) : BinaryPrimitives.ReadSingleBigEndian(at),
                _ => little ? BinaryPrimitives.ReadDoubleLittleEndian(at) : BinaryPrimitives.ReadDoubleBigEndian(at),
            };
            voxels[i] = (float)(scale ? v * slope + intercept : v);
        }
        return new NiftiImage(nx, ny, nz, voxels);
    }
}
