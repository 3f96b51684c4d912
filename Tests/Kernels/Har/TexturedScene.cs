namespace Dataflow.Tests.Kernels.Har;

/// <summary>A smooth random texture evaluated at any real point, so that a moved image is exact (no resampling) and
/// the true flow is known analytically.</summary>
internal sealed class TexturedScene(int seed)
{
    private readonly (double Kx, double Ky, double Phase, double Amplitude)[] _waves = Waves(seed);

    /// <summary>The texture at (x, y), in [0, 1].</summary>
    public double At(double x, double y)
    {
        var value = 0.5;
        foreach (var (kx, ky, phase, amplitude) in _waves)
        {
            value += amplitude * Math.Sin(kx * x + ky * y + phase);
        }
        return Math.Clamp(value, 0, 1);
    }

    /// <summary>An image whose pixel p shows the texture at <paramref name="source"/>(p).</summary>
    public float[] Render(int height, int width, Func<double, double, (double X, double Y)> source)
    {
        var image = new float[height * width];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (sx, sy) = source(x, y);
                // 8-bit quantisation, as a camera and OpenCV's input have.
                image[y * width + x] = (float)(Math.Round(255 * At(sx, sy)) / 255);
            }
        }
        return image;
    }

    /// <summary>Mean end-point error of <paramref name="flow"/> against <paramref name="truth"/> over the pixels at
    /// least <paramref name="margin"/> from the border.</summary>
    public static double EndPointError(float[] flow, int height, int width, int margin, Func<double, double, (double Dx, double Dy)> truth)
    {
        double sum = 0;
        var count = 0;
        for (var y = margin; y < height - margin; y++)
        {
            for (var x = margin; x < width - margin; x++)
            {
                var (dx, dy) = truth(x, y);
                var i = 2 * (y * width + x);
                sum += Math.Sqrt((flow[i] - dx) * (flow[i] - dx) + (flow[i + 1] - dy) * (flow[i + 1] - dy));
                count++;
            }
        }
        return sum / count;
    }

    private static (double, double, double, double)[] Waves(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 8).Select(_ =>
        {
            var direction = 2 * Math.PI * random.NextDouble();
            var wavelength = 7 + 14 * random.NextDouble();
            return (Math.Cos(direction) * 2 * Math.PI / wavelength, Math.Sin(direction) * 2 * Math.PI / wavelength,
                2 * Math.PI * random.NextDouble(), 0.06 + 0.04 * random.NextDouble());
        }).ToArray();
    }
}
