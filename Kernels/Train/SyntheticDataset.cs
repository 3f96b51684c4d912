namespace Dataflow.Kernels.Train;

/// <summary>The synthetic data set of a <c>train</c> job, a pure function of (model kind, seed, size),
/// materialised once in single precision.</summary>
/// <remarks>
/// MLP: inputs x ~ N(0, I) of dimension <see cref="MlpInputs"/>; label = argmax of a fixed random teacher
/// network <c>W2 tanh(W1 x / sqrt(32))</c> (32 -> 64 -> 10, Gaussian weights), evaluated in double.
/// CNN: 1x16x16 images of one of <see cref="CnnClasses"/> shapes (horizontal bar, vertical bar, plus,
/// disk, ring, diagonal cross) at a random centre, size and brightness, plus Gaussian pixel noise of
/// standard deviation 0.25. Every shape is mirror-symmetric about its own vertical axis, so a horizontal
/// flip (a training augmentation) keeps the label. Sample <c>i</c> depends only on (seed, i).
/// </remarks>
public sealed class SyntheticDataset
{
    /// <summary>Input dimension of the MLP data.</summary>
    public const int MlpInputs = 32;

    /// <summary>Classes of the MLP data.</summary>
    public const int MlpClasses = 10;

    /// <summary>Side of the square CNN images, in pixels.</summary>
    public const int ImageSide = 16;

    /// <summary>Classes of the CNN data.</summary>
    public const int CnnClasses = 6;

    private const int TeacherHidden = 64;
    private const double PixelNoise = 0.25;
    private const ulong TeacherPurpose = 0x7465616368657221UL;   // "teacher!"
    private const ulong SamplePurpose = 0x73616D706C652121UL;    // "sample!!"

    private readonly float[] _inputs;
    private readonly long[] _labels;

    /// <summary>Generates the data set described by <paramref name="settings"/>.</summary>
    public SyntheticDataset(TrainSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Kind = settings.Model;
        Count = settings.DatasetSize;
        SampleLength = SampleLengthOf(Kind);
        Classes = ClassesOf(Kind);
        _inputs = new float[(long)Count * SampleLength];
        _labels = new long[Count];
        if (Kind == TrainModelKind.Mlp)
        {
            FillMlp(settings.Seed);
        }
        else
        {
            FillCnn(settings.Seed);
        }
    }

    /// <summary>Model kind the data is for.</summary>
    public TrainModelKind Kind { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Floats per sample (32 for the MLP, 256 for the CNN).</summary>
    public int SampleLength { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Floats per sample of <paramref name="kind"/>.</summary>
    public static int SampleLengthOf(TrainModelKind kind) => kind == TrainModelKind.Mlp ? MlpInputs : ImageSide * ImageSide;

    /// <summary>Number of classes of <paramref name="kind"/>.</summary>
    public static int ClassesOf(TrainModelKind kind) => kind == TrainModelKind.Mlp ? MlpClasses : CnnClasses;

    /// <summary>Per-sample tensor shape without the batch dimension: [32] or [1, 16, 16].</summary>
    public static long[] SampleShapeOf(TrainModelKind kind) =>
        kind == TrainModelKind.Mlp ? [MlpInputs] : [1, ImageSide, ImageSide];

    /// <summary>Inputs (row-major, <see cref="SampleLength"/> floats per sample) and labels of the given samples, in order.</summary>
    public (float[] Inputs, long[] Labels) GetBatch(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var inputs = new float[indices.Length * SampleLength];
        var labels = new long[indices.Length];
        for (var b = 0; b < indices.Length; b++)
        {
            var i = indices[b];
            if ((uint)i >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"sample index {i} is outside [0, {Count})");
            }
            _inputs.AsSpan(i * SampleLength, SampleLength).CopyTo(inputs.AsSpan(b * SampleLength));
            labels[b] = _labels[i];
        }
        return (inputs, labels);
    }

    private void FillMlp(long seed)
    {
        // Teacher weights W1 [64 x 32], W2 [10 x 64], standard normal.
        var teacherKey = CounterRandom.Key(seed, TeacherPurpose);
        var w1 = new double[TeacherHidden * MlpInputs];
        var w2 = new double[MlpClasses * TeacherHidden];
        for (var j = 0; j < w1.Length; j++)
        {
            w1[j] = CounterRandom.Gaussian(teacherKey, (ulong)j);
        }
        for (var j = 0; j < w2.Length; j++)
        {
            w2[j] = CounterRandom.Gaussian(teacherKey, (ulong)(w1.Length + j));
        }
        var x = new double[MlpInputs];
        var h = new double[TeacherHidden];
        var scale = 1.0 / Math.Sqrt(MlpInputs);
        for (var i = 0; i < Count; i++)
        {
            var key = CounterRandom.Key(seed, SamplePurpose, i);
            for (var d = 0; d < MlpInputs; d++)
            {
                var xf = (float)CounterRandom.Gaussian(key, (ulong)d);
                _inputs[i * MlpInputs + d] = xf;
                x[d] = xf;   // the teacher sees exactly the stored single-precision input
            }
            for (var k = 0; k < TeacherHidden; k++)
            {
                var s = 0.0;
                for (var d = 0; d < MlpInputs; d++)
                {
                    s += w1[k * MlpInputs + d] * x[d];
                }
                h[k] = Math.Tanh(s * scale);
            }
            var best = 0;
            var bestLogit = double.NegativeInfinity;
            for (var c = 0; c < MlpClasses; c++)
            {
                var s = 0.0;
                for (var k = 0; k < TeacherHidden; k++)
                {
                    s += w2[c * TeacherHidden + k] * h[k];
                }
                if (s > bestLogit)
                {
                    bestLogit = s;
                    best = c;
                }
            }
            _labels[i] = best;
        }
    }

    private void FillCnn(long seed)
    {
        const int side = ImageSide;
        const ulong noiseOffset = 16;   // draws 0..15 pick the shape; Gaussian draws start here
        for (var i = 0; i < Count; i++)
        {
            var key = CounterRandom.Key(seed, SamplePurpose, i);
            var label = CounterRandom.Below(key, 0, CnnClasses);
            var cx = 5.5 + 4.0 * CounterRandom.Uniform(key, 1);   // centre in [5.5, 9.5) pixels
            var cy = 5.5 + 4.0 * CounterRandom.Uniform(key, 2);
            var radius = 3.0 + 2.0 * CounterRandom.Uniform(key, 3); // half-size in [3, 5) pixels
            var brightness = 0.7 + 0.6 * CounterRandom.Uniform(key, 4);
            var image = _inputs.AsSpan(i * side * side, side * side);
            for (var y = 0; y < side; y++)
            {
                for (var x = 0; x < side; x++)
                {
                    var dx = x + 0.5 - cx;
                    var dy = y + 0.5 - cy;
                    var on = Covers(label, dx, dy, radius) ? brightness : 0.0;
                    var noise = PixelNoise * CounterRandom.Gaussian(key, noiseOffset + (ulong)(y * side + x));
                    image[y * side + x] = (float)(on + noise);
                }
            }
            _labels[i] = label;
        }
    }

    // Shape membership at offset (dx, dy) from the centre; every shape is symmetric under dx -> -dx.
    private static bool Covers(int label, double dx, double dy, double radius)
    {
        var ax = Math.Abs(dx);
        var ay = Math.Abs(dy);
        var r = Math.Sqrt(dx * dx + dy * dy);
        return label switch
        {
            0 => ay <= 1.0 && ax <= radius,                                   // horizontal bar
            1 => ax <= 1.0 && ay <= radius,                                   // vertical bar
            2 => (ay <= 0.75 && ax <= radius) || (ax <= 0.75 && ay <= radius), // plus
            3 => r <= radius,                                                 // disk
            4 => Math.Abs(r - radius) <= 0.8,                                 // ring
            _ => Math.Abs(ax - ay) <= 0.8 && ax <= radius,                    // diagonal cross (X)
        };
    }
}
