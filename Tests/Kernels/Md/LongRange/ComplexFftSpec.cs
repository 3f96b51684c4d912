using System.Numerics;
using Dataflow.Kernels.Md.LongRange;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.LongRange;

public sealed class ComplexFftSpec
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(30)]
    [InlineData(49)]
    [InlineData(64)]
    [InlineData(97)]
    [InlineData(120)]
    public void Forward_matches_the_naive_DFT(int n)
    {
        // Reference: X_k = sum_j x_j exp(-2 pi i j k / n) summed directly, angles reduced mod n exactly.
        var x = RandomSignal(n, seed: n);
        var expected = NaiveDft(x, sign: -1);
        var actual = (Complex[])x.Clone();
        new ComplexFft(n).Forward(actual);
        AssertClose(expected, actual, 1e-13);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(30)]
    public void Inverse_matches_the_naive_DFT_with_positive_sign_and_no_normalisation(int n)
    {
        var x = RandomSignal(n, seed: 3 * n);
        var expected = NaiveDft(x, sign: +1);
        var actual = (Complex[])x.Clone();
        new ComplexFft(n).Inverse(actual);
        AssertClose(expected, actual, 1e-13);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(60)]
    [InlineData(101)]
    [InlineData(1024)]
    public void Forward_then_inverse_over_n_is_the_identity(int n)
    {
        var x = RandomSignal(n, seed: 5);
        var y = (Complex[])x.Clone();
        var fft = new ComplexFft(n);
        fft.Forward(y);
        fft.Inverse(y);
        for (var i = 0; i < n; i++)
        {
            y[i] /= n;
        }
        AssertClose(x, y, 1e-14);
    }

    [Fact]
    public void Uses_Bluestein_only_for_large_prime_factors()
    {
        Assert.False(new ComplexFft(2 * 3 * 5 * 7 * 11 * 13).UsesBluestein);
        Assert.True(new ComplexFft(2 * 17).UsesBluestein);
        Assert.True(ComplexFft.Is235Smooth(360));
        Assert.False(ComplexFft.Is235Smooth(14));
    }

    [Fact]
    public void A_batch_of_interleaved_sequences_transforms_like_each_sequence_alone()
    {
        const int N = 12;
        const int Batch = 3;
        const int Stride = 5;
        var data = RandomSignal(2 + (Stride * N), seed: 9);
        var fft = new ComplexFft(N);
        var expected = new Complex[Batch][];
        for (var b = 0; b < Batch; b++)
        {
            expected[b] = new Complex[N];
            for (var j = 0; j < N; j++)
            {
                expected[b][j] = data[2 + b + (Stride * j)];
            }
            fft.Forward(expected[b]);
        }
        var untouched = data[2 + Batch];
        fft.TransformBatch(data, 2, Stride, Batch, new Complex[Batch * N], inverse: false);
        for (var b = 0; b < Batch; b++)
        {
            var actual = new Complex[N];
            for (var j = 0; j < N; j++)
            {
                actual[j] = data[2 + b + (Stride * j)];
            }
            AssertClose(expected[b], actual, 1e-14);
        }
        Assert.Equal(untouched, data[2 + Batch]);
    }

    [Theory]
    [InlineData(15, 10, 6)]
    [InlineData(4, 17, 3)]
    [InlineData(1, 5, 9)]
    public void The_3D_transform_matches_a_naive_3D_DFT(int nx, int ny, int nz)
    {
        var x = RandomSignal(nx * ny * nz, seed: nx + ny + nz);
        var expected = new Complex[x.Length];
        for (var kz = 0; kz < nz; kz++)
        {
            for (var ky = 0; ky < ny; ky++)
            {
                for (var kx = 0; kx < nx; kx++)
                {
                    var sum = Complex.Zero;
                    for (var z = 0; z < nz; z++)
                    {
                        for (var y = 0; y < ny; y++)
                        {
                            for (var xx = 0; xx < nx; xx++)
                            {
                                var turns = ((double)(kx * xx % nx) / nx) + ((double)(ky * y % ny) / ny)
                                    + ((double)(kz * z % nz) / nz);
                                sum += x[xx + (nx * (y + (ny * z)))] * Complex.FromPolarCoordinates(1, -2 * Math.PI * turns);
                            }
                        }
                    }
                    expected[kx + (nx * (ky + (ny * kz)))] = sum;
                }
            }
        }
        var actual = (Complex[])x.Clone();
        new ComplexFft3D(nx, ny, nz).Forward(actual);
        AssertClose(expected, actual, 1e-13);
    }

    [Fact]
    public void The_3D_transform_keeps_Parseval_and_inverts()
    {
        // Parseval: sum |x|^2 = (1/N) sum |X|^2.
        const int N = 24;
        var x = RandomSignal(N * N * 20, seed: 11);
        var y = (Complex[])x.Clone();
        var fft = new ComplexFft3D(N, N, 20);
        fft.Forward(y);
        var energy = x.Sum(v => v.Real * v.Real + v.Imaginary * v.Imaginary);
        var spectral = y.Sum(v => v.Real * v.Real + v.Imaginary * v.Imaginary) / x.Length;
        Assert.Equal(energy, spectral, energy * 1e-13);
        fft.Inverse(y);
        for (var i = 0; i < y.Length; i++)
        {
            y[i] /= x.Length;
        }
        AssertClose(x, y, 1e-14);
    }

    [Fact]
    public void A_plane_wave_transforms_to_a_single_spike_and_single_threaded_runs_agree_bitwise()
    {
        const int Nx = 12;
        const int Ny = 10;
        const int Nz = 9;
        var data = new Complex[Nx * Ny * Nz];
        for (var z = 0; z < Nz; z++)
        {
            for (var y = 0; y < Ny; y++)
            {
                for (var x = 0; x < Nx; x++)
                {
                    var turns = (3.0 * x / Nx) + (7.0 * y / Ny) + (2.0 * z / Nz);
                    data[x + (Nx * (y + (Ny * z)))] = Complex.FromPolarCoordinates(1, 2 * Math.PI * turns);
                }
            }
        }
        var serial = (Complex[])data.Clone();
        new ComplexFft3D(Nx, Ny, Nz).Forward(data);
        new ComplexFft3D(Nx, Ny, Nz, maxDegreeOfParallelism: 1).Forward(serial);
        var spike = 3 + (Nx * (7 + (Ny * 2)));
        for (var i = 0; i < data.Length; i++)
        {
            var expected = i == spike ? data.Length : 0.0;
            Assert.True((data[i] - expected).Magnitude < 1e-11, $"element {i}: {data[i]}");
            Assert.Equal(data[i], serial[i]);
        }
    }

    private static Complex[] RandomSignal(int n, int seed)
    {
        var random = new Random(seed);
        var x = new Complex[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = new Complex(random.NextDouble() - 0.5, random.NextDouble() - 0.5);
        }
        return x;
    }

    private static Complex[] NaiveDft(Complex[] x, int sign)
    {
        var n = x.Length;
        var result = new Complex[n];
        for (var k = 0; k < n; k++)
        {
            var sum = Complex.Zero;
            for (var j = 0; j < n; j++)
            {
                sum += x[j] * Complex.FromPolarCoordinates(1, sign * 2 * Math.PI * ((long)j * k % n) / n);
            }
            result[k] = sum;
        }
        return result;
    }

    private static void AssertClose(Complex[] expected, Complex[] actual, double relative)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = Math.Max(1.0, expected.Max(v => v.Magnitude));
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = (expected[i] - actual[i]).Magnitude;
            Assert.True(difference <= relative * scale, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
