using Dataflow.Kernels.Fl;
using Xunit;

namespace Dataflow.Tests.Kernels.Fl;

// The files in Data/ were written by nibabel 5.0 (Debian python3-nibabel) with Data/make_nifti.py; the values
// asserted here are the ones it printed (Data/make_nifti.log).
public sealed class NiftiReaderSpec
{
    private static string DataFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Tests", "Kernels", "Fl", "Data", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"Tests/Kernels/Fl/Data/{name} not found above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void Reads_a_gzipped_scaled_int16_image_written_by_nibabel()
    {
        var image = NiftiReader.Read(DataFile("int16_scaled.nii.gz"));
        Assert.Equal((5, 4, 3), (image.NX, image.NY, image.NZ));
        // x fastest: v(x, y, z) at (z * NY + y) * NX + x; nibabel printed v(4,3,2) = 94 and v(0,0,0) = -23.
        Assert.Equal(94f, image.Voxels[(2 * 4 + 3) * 5 + 4]);
        Assert.Equal(-23f, image.Voxels[0]);
        // Every voxel is 0.5 (x + 10 y + 100 z - 50) + 2.
        for (var z = 0; z < 3; z++)
        {
            for (var y = 0; y < 4; y++)
            {
                for (var x = 0; x < 5; x++)
                {
                    Assert.Equal(0.5f * (x + 10 * y + 100 * z - 50) + 2, image.Voxels[(z * 4 + y) * 5 + x]);
                }
            }
        }
    }

    [Fact]
    public void Reads_an_uncompressed_float32_image_written_by_nibabel()
    {
        var image = NiftiReader.Read(DataFile("float32.nii"));
        Assert.Equal(60, image.Voxels.Length);
        Assert.Equal(0.25f, image.Voxels[1]);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => i / 4f), image.Voxels);
    }

    [Fact]
    public void A_malformed_file_is_an_error_naming_it_and_the_fault()
    {
        var dir = Directory.CreateTempSubdirectory("fl-nifti-");
        try
        {
            var good = File.ReadAllBytes(DataFile("float32.nii"));
            var truncated = Path.Combine(dir.FullName, "truncated.nii");
            File.WriteAllBytes(truncated, good[..400]);
            var e = Assert.Throws<InvalidDataException>(() => NiftiReader.Read(truncated));
            Assert.Contains("truncated.nii", e.Message);
            Assert.Contains("need", e.Message);

            var notNifti = Path.Combine(dir.FullName, "text.nii");
            File.WriteAllText(notNifti, new string('x', 500));
            e = Assert.Throws<InvalidDataException>(() => NiftiReader.Read(notNifti));
            Assert.Contains("text.nii", e.Message);
            Assert.Contains("sizeof_hdr", e.Message);

            var badType = (byte[])good.Clone();
            badType[70] = 32; // complex64
            var complex = Path.Combine(dir.FullName, "complex.nii");
            File.WriteAllBytes(complex, badType);
            e = Assert.Throws<InvalidDataException>(() => NiftiReader.Read(complex));
            Assert.Contains("complex.nii", e.Message);
            Assert.Contains("datatype 32", e.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
