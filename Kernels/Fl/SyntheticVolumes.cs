using Dataflow.Kernels.Train;

namespace Dataflow.Kernels.Fl;

/// <summary>Non-iid synthetic 3-D segmentation data: ellipsoidal "lesions" (the foreground) among unlabelled tubes of
/// the same intensity, with an institute-specific scanner: intensities, contrast (inverted at one site), noise, a
/// multiplicative bias field and lesion sizes.</summary>
/// <remarks>Every voxel is a pure function of (seed, institute, split, volume, voxel) through
/// <see cref="CounterRandom"/>, so any host generates the same volumes.</remarks>
public static class SyntheticVolumes
{
    private const ulong Purpose = 0xF1_DA7A;

    /// <summary>The scanner and population of one institute.</summary>
    /// <param name="Foreground">Mean intensity of lesions (and tubes).</param>
    /// <param name="Background">Mean intensity of tissue.</param>
    /// <param name="Noise">Standard deviation of the additive Gaussian noise.</param>
    /// <param name="BiasField">Slope of the linear multiplicative bias field across the volume.</param>
    /// <param name="RadiusMin">Smallest lesion semi-axis, as a fraction of the half side.</param>
    /// <param name="RadiusMax">Largest lesion semi-axis, as a fraction of the half side.</param>
    public sealed record Profile(double Foreground, double Background, double Noise, double BiasField, double RadiusMin,
        double RadiusMax);

    // Four sites as different as scanners of one organ are: a clean one, a low-contrast one, a bright noisy one with
    // large lesions, and one with inverted contrast (lesions darker than tissue, as on another MR sequence).
    private static readonly Profile[] s_profiles =
    [
        new(1.0, 0.2, 0.10, 0.10, 0.30, 0.45),
        new(0.65, 0.35, 0.06, 0.30, 0.20, 0.35),
        new(2.4, 1.0, 0.35, 0.20, 0.40, 0.60),
        new(0.3, 0.9, 0.10, 0.50, 0.25, 0.40),
    ];

    /// <summary>The profile of institute <paramref name="institute"/>: the four built-in sites in turn, with a seeded
    /// jitter of up to 20 % from the fifth institute on.</summary>
    public static Profile ProfileOf(long seed, int institute)
    {
        var p = s_profiles[institute % s_profiles.Length];
        if (institute < s_profiles.Length)
        {
            return p;
        }
        var key = CounterRandom.Key(seed, Purpose, institute, -1);
        double J(ulong n) => 0.8 + 0.4 * CounterRandom.Uniform(key, n);
        return new Profile(p.Foreground * J(0), p.Background * J(1), p.Noise * J(2), p.BiasField * J(3),
            p.RadiusMin * J(4), Math.Min(0.9, p.RadiusMax * J(5)));
    }

    /// <summary>Institute <paramref name="institute"/>'s training and test volumes.</summary>
    public static InstituteData Institute(FlSettings settings, int institute)
    {
        var train = Enumerable.Range(0, settings.TrainVolumes)
            .Select(v => Generate(settings.Seed, institute, 0, v, settings.Side)).ToArray();
        var test = Enumerable.Range(0, settings.TestVolumes)
            .Select(v => Generate(settings.Seed, institute, 1, v, settings.Side)).ToArray();
        return new InstituteData(train, test);
    }

    /// <summary>Volume <paramref name="index"/> of <paramref name="split"/> (0 train, 1 test) of an institute.</summary>
    public static Volume Generate(long seed, int institute, int split, int index, int side)
    {
        var profile = ProfileOf(seed, institute);
        var key = CounterRandom.Key(seed, Purpose, institute, split, index);
        var noiseKey = CounterRandom.Key(seed, Purpose + 1, institute, split, index);
        ulong draw = 0;
        double U() => CounterRandom.Uniform(key, draw++);
        double Between(double a, double b) => a + (b - a) * U();

        // One or two lesions: axis-aligned ellipsoids inside the volume.
        var lesions = new (double X, double Y, double Z, double A, double B, double C)[1 + (int)(U() * 2)];
        for (var l = 0; l < lesions.Length; l++)
        {
            var a = Between(profile.RadiusMin, profile.RadiusMax);
            var b = Between(profile.RadiusMin, profile.RadiusMax);
            var c = Between(profile.RadiusMin, profile.RadiusMax);
            lesions[l] = (Between(-0.9 + a, 0.9 - a), Between(-0.9 + b, 0.9 - b), Between(-0.9 + c, 0.9 - c), a, b, c);
        }
        // One or two tubes of lesion intensity along a random axis, never labelled: shape, not brightness, decides.
        var tubes = new (int Axis, double U, double V, double R)[1 + (int)(U() * 2)];
        for (var t = 0; t < tubes.Length; t++)
        {
            tubes[t] = ((int)(U() * 3), Between(-0.7, 0.7), Between(-0.7, 0.7), Between(0.08, 0.14));
        }
        // Bias field 1 + s (g . r) with a random unit direction g.
        var (gx, gy, gz) = (Between(-1, 1), Between(-1, 1), Between(-1, 1));
        var norm = Math.Max(1e-9, Math.Sqrt(gx * gx + gy * gy + gz * gz));
        (gx, gy, gz) = (gx / norm, gy / norm, gz / norm);

        var n = side * side * side;
        var image = new float[n];
        var label = new byte[n];
        var half = side / 2.0;
        for (var z = 0; z < side; z++)
        {
            var rz = (z + 0.5 - half) / half;
            for (var y = 0; y < side; y++)
            {
                var ry = (y + 0.5 - half) / half;
                for (var x = 0; x < side; x++)
                {
                    var rx = (x + 0.5 - half) / half;
                    var i = (z * side + y) * side + x;
                    var inLesion = false;
                    foreach (var e in lesions)
                    {
                        var dx = (rx - e.X) / e.A;
                        var dy = (ry - e.Y) / e.B;
                        var dz = (rz - e.Z) / e.C;
                        inLesion |= dx * dx + dy * dy + dz * dz <= 1;
                    }
                    var inTube = false;
                    foreach (var t in tubes)
                    {
                        var (u, v) = t.Axis switch { 0 => (ry, rz), 1 => (rx, rz), _ => (rx, ry) };
                        inTube |= (u - t.U) * (u - t.U) + (v - t.V) * (v - t.V) <= t.R * t.R;
                    }
                    var mean = inLesion || inTube ? profile.Foreground : profile.Background;
                    var bias = 1 + profile.BiasField * (gx * rx + gy * ry + gz * rz);
                    image[i] = (float)(mean * bias + profile.Noise * CounterRandom.Gaussian(noiseKey, (ulong)i));
                    label[i] = inLesion ? (byte)1 : (byte)0;
                }
            }
        }
        return new Volume(side, image, label);
    }
}
