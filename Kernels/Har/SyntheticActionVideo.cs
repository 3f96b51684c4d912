using Dataflow.Kernels.Train;

namespace Dataflow.Kernels.Har;

/// <summary>An endless synthetic action video with a known label per frame: a textured ellipse (the actor) moves over
/// a cluttered textured background with a class-specific motion, under camera shake and sensor noise.</summary>
/// <remarks>
/// The video is a sequence of actions of <see cref="SegmentFrames"/> frames; action <c>s</c> is drawn with its class,
/// shape, texture, speed and a random drift from the counter-based stream of (seed, s), so any frame is rendered on its
/// own, on any node, with the same bits. Speeds scale with the frame: at 64 pixels the actor moves 0.8 to 1.4 pixels
/// (or turns 4 to 8 degrees) per frame, plus a drift of a quarter of that in a random direction. An actor that leaves
/// the frame comes back in on the opposite side once it is wholly out of view (the frame is a window on a torus wider
/// than the actor), so its motion never jumps within an action. Frames are single-channel floats in [0, 1], row-major.
/// </remarks>
public sealed class SyntheticActionVideo
{
    private const ulong SegmentPurpose = 0x4841525345474DUL;
    private const ulong NoisePurpose = 0x484152504E4F49UL;
    private const ulong ScenePurpose = 0x48415253434E45UL;
    private const ulong ActionPurpose = 0x48415241435449UL;
    private readonly float[] _background;
    private readonly int _margin;
    private readonly int _backgroundWidth;
    private readonly double _jitterPhaseX;
    private readonly double _jitterPhaseY;

    /// <summary>The action classes, by label.</summary>
    public static IReadOnlyList<string> Classes { get; } = ["slide-left", "slide-right", "rise", "fall", "spin-cw", "spin-ccw"];

    /// <summary>A video of <paramref name="height"/> x <paramref name="width"/> frames.</summary>
    /// <param name="height">Rows per frame (at least 16).</param>
    /// <param name="width">Pixels per row (at least 16).</param>
    /// <param name="seed">Seed of the scene and of every segment.</param>
    /// <param name="segmentFrames">Frames per action (at least 2).</param>
    /// <param name="noise">Standard deviation of the per-pixel sensor noise, in intensity units.</param>
    public SyntheticActionVideo(int height, int width, long seed, int segmentFrames = 64, double noise = 0.02)
    {
        if (height < 16 || width < 16)
        {
            throw new ArgumentException($"frames must be at least 16x16, not {height}x{width}", nameof(height));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentFrames, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(noise);
        Height = height;
        Width = width;
        Seed = seed;
        SegmentFrames = segmentFrames;
        Noise = noise;
        Scale = Math.Min(height, width) / 64.0;
        _margin = (int)Math.Ceiling(2 * Scale) + 2;
        _backgroundWidth = width + 2 * _margin;
        _background = RenderBackground(height + 2 * _margin, _backgroundWidth, CounterRandom.Key(seed, ScenePurpose), Scale);
        var key = CounterRandom.Key(seed, ScenePurpose, 1);
        _jitterPhaseX = 2 * Math.PI * CounterRandom.Uniform(key, 0);
        _jitterPhaseY = 2 * Math.PI * CounterRandom.Uniform(key, 1);
    }

    /// <summary>Rows per frame.</summary>
    public int Height { get; }

    /// <summary>Pixels per row.</summary>
    public int Width { get; }

    /// <summary>The video's seed.</summary>
    public long Seed { get; }

    /// <summary>Frames per action segment.</summary>
    public int SegmentFrames { get; }

    /// <summary>Frames per action (the same as <see cref="SegmentFrames"/>).</summary>
    public int ActionFrames => SegmentFrames;

    /// <summary>Sensor noise standard deviation.</summary>
    public double Noise { get; }

    /// <summary>Pixels per unit of the 64-pixel reference frame.</summary>
    public double Scale { get; }

    /// <summary>The action shown in <paramref name="frame"/>.</summary>
    public int Label(long frame) => ActionLabel(frame / ActionFrames);

    private int ActionLabel(long action) => CounterRandom.Below(CounterRandom.Key(Seed, ActionPurpose, action), 0, Classes.Count);

    /// <summary>Renders <paramref name="frame"/> into a new array.</summary>
    public float[] Render(long frame)
    {
        var pixels = new float[Width * Height];
        Render(frame, pixels);
        return pixels;
    }

    /// <summary>Renders <paramref name="frame"/> into <paramref name="pixels"/> (Height x Width).</summary>
    public void Render(long frame, Span<float> pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        if (pixels.Length != Width * Height)
        {
            throw new ArgumentException($"expected {Width * Height} pixels, got {pixels.Length}", nameof(pixels));
        }
        var segment = Segment(frame / SegmentFrames);
        var tau = frame % SegmentFrames - (SegmentFrames - 1) / 2.0;
        var (cx, cy, angle) = segment.Pose(tau);
        // The torus: positions wrap with a margin wider than the actor, so it is out of view when it wraps.
        var reach = Math.Max(segment.SemiAxisX, segment.SemiAxisY) + 2;
        cx = Wrap(cx, -reach, Width + reach);
        cy = Wrap(cy, -reach, Height + reach);
        // Camera shake: a smooth sub-pixel wander of the background.
        var jitterX = 0.6 * Scale * Math.Sin(0.37 * frame + _jitterPhaseX);
        var jitterY = 0.6 * Scale * Math.Sin(0.29 * frame + _jitterPhaseY);
        var cos = Math.Cos(angle);
        var sin = Math.Sin(angle);
        var noiseKey = CounterRandom.Key(Seed, NoisePurpose, frame);
        var edge = 1.0 / Math.Min(segment.SemiAxisX, segment.SemiAxisY);
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var value = SampleBackground(x + _margin + jitterX, y + _margin + jitterY);
                // The actor: object coordinates by the inverse rotation about its centre.
                var dx = x - cx;
                var dy = y - cy;
                var u = cos * dx + sin * dy;
                var v = -sin * dx + cos * dy;
                var r = Math.Sqrt(u * u / (segment.SemiAxisX * segment.SemiAxisX) + v * v / (segment.SemiAxisY * segment.SemiAxisY));
                if (r < 1 + edge)
                {
                    var coverage = Math.Clamp((1 + edge - r) / (2 * edge), 0, 1);
                    value += coverage * (segment.Texture(u, v) - value);
                }
                var i = y * Width + x;
                var bits = CounterRandom.Bits(noiseKey, (ulong)i);
                // Four 16-bit uniforms summed: variance 1/3, scaled to unit variance (a near-Gaussian noise).
                var n = ((bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48)) / 65536.0 - 2.0;
                pixels[i] = (float)Math.Clamp(value + Noise * Math.Sqrt(3) * n, 0, 1);
            }
        }
    }

    private static double Wrap(double value, double low, double high)
    {
        var span = high - low;
        var t = (value - low) % span;
        return low + (t < 0 ? t + span : t);
    }

    private double SampleBackground(double x, double y)
    {
        var x0 = (int)x;
        var y0 = (int)y;
        var ax = x - x0;
        var ay = y - y0;
        var o = y0 * _backgroundWidth + x0;
        var top = (1 - ax) * _background[o] + ax * _background[o + 1];
        var bottom = (1 - ax) * _background[o + _backgroundWidth] + ax * _background[o + _backgroundWidth + 1];
        return (1 - ay) * top + ay * bottom;
    }

    private static float[] RenderBackground(int height, int width, ulong key, double scale)
    {
        // Low-contrast plane waves plus rectangles of clutter at random places and grey levels.
        var waves = new (double Kx, double Ky, double Phase, double Amplitude)[4];
        for (var w = 0; w < waves.Length; w++)
        {
            var direction = 2 * Math.PI * CounterRandom.Uniform(key, (ulong)(4 * w));
            var wavelength = scale * (6 + 14 * CounterRandom.Uniform(key, (ulong)(4 * w + 1)));
            waves[w] = (Math.Cos(direction) * 2 * Math.PI / wavelength, Math.Sin(direction) * 2 * Math.PI / wavelength,
                2 * Math.PI * CounterRandom.Uniform(key, (ulong)(4 * w + 2)), 0.05 + 0.05 * CounterRandom.Uniform(key, (ulong)(4 * w + 3)));
        }
        var image = new float[height * width];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var value = 0.45;
                foreach (var (kx, ky, phase, amplitude) in waves)
                {
                    value += amplitude * Math.Sin(kx * x + ky * y + phase);
                }
                image[y * width + x] = (float)value;
            }
        }
        const int Clutter = 10;
        for (var c = 0; c < Clutter; c++)
        {
            var counter = (ulong)(100 + 6 * c);
            var w = (int)(scale * (4 + 12 * CounterRandom.Uniform(key, counter)));
            var h = (int)(scale * (4 + 12 * CounterRandom.Uniform(key, counter + 1)));
            var left = (int)((width - w) * CounterRandom.Uniform(key, counter + 2));
            var top = (int)((height - h) * CounterRandom.Uniform(key, counter + 3));
            var grey = (float)(0.15 + 0.7 * CounterRandom.Uniform(key, counter + 4));
            var stripes = 2 + CounterRandom.Below(key, counter + 5, 4);
            for (var y = top; y < top + h; y++)
            {
                for (var x = left; x < left + w; x++)
                {
                    // Striped clutter: texture that a motion estimator can latch on to, and which does not move.
                    image[y * width + x] = (x - left) * stripes / Math.Max(1, w) % 2 == 0 ? grey : 0.5f * grey;
                }
            }
        }
        return image;
    }

    private ActionSegment Segment(long index)
    {
        var key = CounterRandom.Key(Seed, SegmentPurpose, index);
        double U(ulong counter) => CounterRandom.Uniform(key, counter);
        var s = Scale;
        var label = ActionLabel(index);
        var speed = s * (0.8 + 0.6 * U(1));
        var turn = (4 + 4 * U(2)) * Math.PI / 180;
        var driftDirection = 2 * Math.PI * U(3);
        var drift = 0.25 * speed;
        return new ActionSegment(
            label,
            CenterX: Width * (0.38 + 0.24 * U(4)),
            CenterY: Height * (0.38 + 0.24 * U(5)),
            Angle: 2 * Math.PI * U(6),
            Speed: speed,
            Turn: turn,
            DriftX: drift * Math.Cos(driftDirection),
            DriftY: drift * Math.Sin(driftDirection),
            SemiAxisX: s * (10 + 5 * U(7)),
            SemiAxisY: s * (8 + 4 * U(8)),
            // Wavelengths of 8 to 14 reference pixels: finer gratings alias at a pixel of motion per frame.
            Frequency1: 2 * Math.PI / (s * (8 + 6 * U(9))),
            Frequency2: 2 * Math.PI / (s * (8 + 6 * U(10))),
            Phase1: 2 * Math.PI * U(11),
            Phase2: 2 * Math.PI * U(12),
            Brightness: 0.45 + 0.2 * U(13));
    }

    private sealed record ActionSegment(
        int Label, double CenterX, double CenterY, double Angle, double Speed, double Turn, double DriftX, double DriftY,
        double SemiAxisX, double SemiAxisY, double Frequency1, double Frequency2, double Phase1, double Phase2, double Brightness)
    {
        public (double X, double Y, double Angle) Pose(double tau)
        {
            var x = CenterX + DriftX * tau;
            var y = CenterY + DriftY * tau;
            return Label switch
            {
                0 => (x - Speed * tau, y, Angle),
                1 => (x + Speed * tau, y, Angle),
                2 => (x, y - Speed * tau, Angle),
                3 => (x, y + Speed * tau, Angle),
                // Image y points down, so a growing angle turns clockwise on screen.
                4 => (x, y, Angle + Turn * tau),
                _ => (x, y, Angle - Turn * tau),
            };
        }

        // Object texture: crossed gratings and a bright band along one axis, so that turns are visible.
        public double Texture(double u, double v) =>
            Brightness + 0.22 * Math.Sin(Frequency1 * u + Phase1) * Math.Cos(Frequency2 * v + Phase2)
                + (Math.Abs(v) < 0.25 * SemiAxisY ? 0.2 : -0.05);
    }
}
