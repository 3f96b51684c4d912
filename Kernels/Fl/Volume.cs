namespace Dataflow.Kernels.Fl;

/// <summary>One single-channel 3-D volume and its binary segmentation, both <c>Side^3</c> voxels, x fastest.</summary>
/// <param name="Side">Edge length in voxels.</param>
/// <param name="Image">Intensities, <c>Image[(z * Side + y) * Side + x]</c>.</param>
/// <param name="Label">1 for foreground, 0 for background, same order.</param>
public sealed record Volume(int Side, float[] Image, byte[] Label)
{
    /// <summary>Voxels in the volume.</summary>
    public int Voxels => Side * Side * Side;
}

/// <summary>An institute's data: training volumes and held-out test volumes. It never leaves the institute.</summary>
public sealed record InstituteData(Volume[] Train, Volume[] Test);
