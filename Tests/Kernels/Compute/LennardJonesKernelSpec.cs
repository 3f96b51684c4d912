using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Compute.Kernels;
using Xunit;

namespace Dataflow.Tests.Kernels.Compute;

public sealed class LennardJonesKernelSpec
{
    private const float EpsilonKjPerMol = 0.99774f;
    private const float SigmaNm = 0.34f;

    [Theory]
    [InlineData(ComputeBackendKind.Cpu)]
    [InlineData(ComputeBackendKind.IlgpuCpu)]
    public void A_dimer_at_the_potential_minimum_has_minus_half_epsilon_per_particle(ComputeBackendKind kind)
    {
        // v(r_min) = -epsilon at r_min = 2^(1/6) sigma, shared equally by the two particles.
        var rMinNm = (float)(Math.Pow(2, 1.0 / 6) * SigmaNm);
        var positions = new[] { new Float3(0.1f, 0.2f, 0.3f), new Float3(0.1f, 0.2f, 0.3f + rMinNm) };
        var energy = Run(kind, positions, new LennardJonesParameters(EpsilonKjPerMol, SigmaNm, 1.0f));
        FloatAssert.Close([-EpsilonKjPerMol / 2.0, -EpsilonKjPerMol / 2.0], energy, 1e-6, 1.0);
    }

    [Theory]
    [InlineData(ComputeBackendKind.Cpu)]
    [InlineData(ComputeBackendKind.IlgpuCpu)]
    public void Pairs_at_or_beyond_the_cutoff_contribute_nothing(ComputeBackendKind kind)
    {
        var positions = new[] { new Float3(0, 0, 0), new Float3(0.5f, 0, 0), new Float3(0, 0.25f, 0) };
        var energy = Run(kind, positions, new LennardJonesParameters(EpsilonKjPerMol, SigmaNm, 0.5f));
        // Only the pair (0, 2) at 0.25 nm is inside the cutoff; particle 1 sees nothing.
        var pair = PairEnergy(0.25);
        FloatAssert.Close([pair / 2, 0.0, pair / 2], energy, 1e-6, 1e-9);
    }

    [Fact]
    public void Direct_dispatch_and_the_ILGPU_CPU_accelerator_agree_exactly_and_match_double_precision()
    {
        var positions = Lattice(side: 8, spacingNm: 0.37f, jitterNm: 0.03f, seed: 5);
        var parameters = new LennardJonesParameters(EpsilonKjPerMol, SigmaNm, 0.9f);

        var direct = Run(ComputeBackendKind.Cpu, positions, parameters, minChunk: 16);
        var emulated = Run(ComputeBackendKind.IlgpuCpu, positions, parameters);

        // Each index sums its own pairs in a fixed order, in one thread, through the same JIT-compiled method:
        // no reduction crosses threads and the JIT neither reorders nor fuses float operations, so how the
        // indices are spread over threads cannot change a bit. The plain float loop below does the same
        // operations in the same order and must agree exactly too.
        FloatAssert.BitwiseEqual(direct, emulated);
        FloatAssert.BitwiseEqual(PlainFloatReference(positions, parameters), direct);

        // Single precision against double: ~1e-5 relative per particle (see LennardJonesKernel remarks).
        var reference = DoubleReference(positions, 0.9);
        FloatAssert.Close(reference, direct, 1e-5, 1e-3);
        Assert.Equal(reference.Sum(), direct.Sum(e => (double)e), Math.Abs(reference.Sum()) * 1e-5);
        Assert.True(reference.Sum() < 0, "a liquid-like lattice is bound");
    }

    [Fact]
    public void Compiles_to_PTX_for_a_CUDA_device()
    {
        var ptx = PtxKernelCompiler.Compile(LennardJonesKernel.PerParticleEnergy, ILGPU.Runtime.Cuda.CudaArchitecture.SM_80);
        Assert.Contains(".target sm_80", ptx);
        Assert.Contains("div.rn.f32", ptx);
        Assert.Contains("PerParticleEnergy", ptx);
    }

    private static float[] Run(
        ComputeBackendKind kind, Float3[] positions, LennardJonesParameters parameters, int minChunk = 0)
    {
        using var backend = ComputeBackend.Create(kind);
        using var positionBuffer = backend.FromArray(positions);
        using var energy = backend.Allocate1D<float>(positions.Length);
        backend.Launch(
            LennardJonesKernel.PerParticleEnergy,
            new LaunchExtent(positions.Length, minChunk),
            positionBuffer.View,
            parameters,
            energy.View);
        return energy.ToArray();
    }

    private static double PairEnergy(double rNm)
    {
        var s6 = Math.Pow(SigmaNm / rNm, 6);
        return 4 * EpsilonKjPerMol * (s6 * s6 - s6);
    }

    private static double[] DoubleReference(Float3[] positions, double cutoffNm)
    {
        var energy = new double[positions.Length];
        for (var i = 0; i < positions.Length; i++)
        {
            for (var j = 0; j < positions.Length; j++)
            {
                double dx = positions[j].X - positions[i].X;
                double dy = positions[j].Y - positions[i].Y;
                double dz = positions[j].Z - positions[i].Z;
                var r = Math.Sqrt(dx * dx + dy * dy + dz * dz);
                if (j != i && r < cutoffNm)
                {
                    energy[i] += PairEnergy(r) / 2;
                }
            }
        }
        return energy;
    }

    private static float[] PlainFloatReference(Float3[] positions, LennardJonesParameters p)
    {
        var energy = new float[positions.Length];
        for (var i = 0; i < positions.Length; i++)
        {
            var sum = 0f;
            for (var j = 0; j < positions.Length; j++)
            {
                var dx = positions[j].X - positions[i].X;
                var dy = positions[j].Y - positions[i].Y;
                var dz = positions[j].Z - positions[i].Z;
                var r2 = dx * dx + dy * dy + dz * dz;
                if (j != i && r2 < p.CutoffSquaredNm2)
                {
                    var s2 = p.SigmaSquaredNm2 / r2;
                    var s6 = s2 * s2 * s2;
                    sum += s6 * s6 - s6;
                }
            }
            energy[i] = 2f * p.EpsilonKjPerMol * sum;
        }
        return energy;
    }

    private static Float3[] Lattice(int side, float spacingNm, float jitterNm, int seed)
    {
        var random = new Random(seed);
        float Jitter() => (float)((random.NextDouble() - 0.5) * 2 * jitterNm);
        return Enumerable.Range(0, side * side * side)
            .Select(i => new Float3(
                (i % side * spacingNm) + Jitter(),
                (i / side % side * spacingNm) + Jitter(),
                (i / (side * side) * spacingNm) + Jitter()))
            .ToArray();
    }
}
