using Dataflow.Kernels.Fl;
using Xunit;

namespace Dataflow.Tests.Kernels.Fl;

public sealed class SyntheticVolumesSpec
{
    [Fact]
    public void A_volume_is_a_pure_function_of_seed_institute_split_and_index()
    {
        var a = SyntheticVolumes.Generate(5, 2, 0, 3, 16);
        var b = SyntheticVolumes.Generate(5, 2, 0, 3, 16);
        var other = SyntheticVolumes.Generate(6, 2, 0, 3, 16);
        Assert.Equal(a.Image, b.Image);
        Assert.Equal(a.Label, b.Label);
        Assert.NotEqual(a.Image, other.Image);
    }

    [Fact]
    public void Institutes_differ_in_intensity_contrast_and_lesion_size()
    {
        var settings = new FlSettings(Side: 16, TrainVolumes: 12, TestVolumes: 1);
        var stats = Enumerable.Range(0, 4).Select(i =>
        {
            var data = SyntheticVolumes.Institute(settings, i).Train;
            var fg = data.SelectMany(v => v.Image.Where((_, k) => v.Label[k] == 1)).Average();
            var bg = data.SelectMany(v => v.Image.Where((_, k) => v.Label[k] == 0)).Average();
            var fraction = data.Average(v => v.Label.Average(l => (double)l));
            return (Fg: fg, Bg: bg, Fraction: fraction);
        }).ToArray();
        // Site 3 has inverted contrast, the others lesions brighter than tissue.
        Assert.True(stats[0].Fg > stats[0].Bg && stats[1].Fg > stats[1].Bg && stats[2].Fg > stats[2].Bg);
        Assert.True(stats[3].Fg < stats[3].Bg);
        // Site 2's lesions are the largest, site 1's the smallest (their radius ranges).
        Assert.True(stats[2].Fraction > stats[0].Fraction && stats[0].Fraction > stats[1].Fraction,
            string.Join(" ", stats.Select(s => s.Fraction.ToString("F3"))));
        // Every volume has foreground and background.
        Assert.All(SyntheticVolumes.Institute(settings, 1).Train, v => Assert.InRange(v.Label.Count(l => l == 1), 1, v.Voxels - 1));
    }
}
