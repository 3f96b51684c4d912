using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Domains;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.Domains;

/// <summary>The ILGPU form of the lj/cut domain loop gives the bits of the C# loop, by direct dispatch and on ILGPU's
/// CPU accelerator (a GPU emulator), and compiles to double-precision PTX.</summary>
public sealed class DomainLennardJonesCutKernelSpec
{
    private static readonly LennardJonesPairCoefficient[] s_binary =
    [
        new(1, 1, 1.0, 1.0),
        new(2, 2, 0.5, 1.2, 2.2),
    ];

    [Theory]
    [InlineData(ComputeBackendKind.Cpu, 1)]
    [InlineData(ComputeBackendKind.Cpu, 2)]
    [InlineData(ComputeBackendKind.IlgpuCpu, 1)]
    [InlineData(ComputeBackendKind.IlgpuCpu, 2)]
    public void Kernel_gives_the_bits_of_the_CSharp_loop(ComputeBackendKind backend, int types)
    {
        var (state, pair, listCutoff) = types == 1
            ? (DomainTestSystems.DisplacedLj500(),
                LennardJonesCut.SingleType(1.0, 1.0, 2.5), 2.8)
            : (DomainTestSystems.Wrapped(new MdState(MdTestSystems.Random(200, 8.0, 2, 0.85, seed: 4), UnitSystem.Lj)),
                new LennardJonesCut(2, 2.5, s_binary, shift: true), 2.5 + 0.3);
        var domains = DomainTestSystems.Split(state, 2, 1, 1, listCutoff);
        var loop = new DomainLennardJonesCut(pair, threads: 2);
        using var kernel = new DomainLennardJonesCutOnBackend(pair, backend, threads: 2);
        var expected = DomainTestSystems.Evaluate(loop, domains, state.AtomCount, listCutoff);
        var actual = DomainTestSystems.Evaluate(kernel, domains, state.AtomCount, listCutoff);
        actual.AssertBitwiseEqual(expected, $"kernel on {kernel.Backend}");
        Assert.NotEqual(0.0, expected.Energy.Sum());

        // Forces only, and a second call on the same list (no new upload).
        var atoms = domains[0];
        var list = new DomainNeighborList();
        list.Build(atoms.Positions, atoms.Count, atoms.Owned, atoms.Keys, listCutoff);
        var a = new ForceResult(atoms.Owned, ForceTerms.Forces);
        var b = new ForceResult(atoms.Owned, ForceTerms.Forces);
        loop.Compute(list, atoms.Positions, atoms.Types, null, a);
        kernel.Compute(list, atoms.Positions, atoms.Types, null, b);
        Array.Clear(b.Forces);
        kernel.Compute(list, atoms.Positions, atoms.Types, null, b);
        Assert.Equal(a.Forces.Select(BitConverter.DoubleToInt64Bits), b.Forces.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Kernel_compiles_to_double_precision_PTX()
    {
        var ptx = PtxKernelCompiler.Compile(DomainLennardJonesCutKernel.Forces, ILGPU.Runtime.Cuda.CudaArchitecture.SM_80);
        Assert.Contains(".target sm_80", ptx);
        Assert.Contains("rcp.rn.f64", ptx);
        Assert.DoesNotContain(".f32", ptx);
    }
}
