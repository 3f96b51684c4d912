using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Quantum;
using Xunit;

namespace Dataflow.Tests.Kernels.Quantum;

public sealed class ConnectedKernelSpec
{
    [Theory]
    [InlineData(ComputeBackendKind.Cpu, "lih", 0)]
    [InlineData(ComputeBackendKind.IlgpuCpu, "lih", 45)]
    [InlineData(ComputeBackendKind.Cpu, "h2o", 0)]
    [InlineData(ComputeBackendKind.Cpu, "n2", 300)]
    [InlineData(ComputeBackendKind.IlgpuCpu, "n2", 40)]
    public void The_kernel_reproduces_the_CSharp_Hamiltonian_to_the_bit(ComputeBackendKind kind, string name, int sample)
    {
        var dump = BundledMolecules.Load(name);
        var hamiltonian = MolecularHamiltonian.FromFcidump(dump);
        var space = new CiSpace<Determinant64>(dump.OrbitalCount, dump.AlphaCount, dump.BetaCount);
        var kets = space.ToArray();
        if (sample > 0)
        {
            kets = [.. kets.Where((_, k) => k % (kets.Length / sample) == 0).Take(sample)];
        }
        var bits = kets.Select(d => d.Bits).ToArray();

        using var backend = ComputeBackend.Create(kind);
        var batch = ConnectedKernel.Run(backend, hamiltonian, bits);

        var slots = MolecularHamiltonian.ExcitationCount(dump.OrbitalCount, dump.AlphaCount, dump.BetaCount);
        Assert.Equal(slots, batch.SlotsPerDeterminant);
        Assert.Equal(slots * kets.Length, batch.Determinants.Length);
        var connected = new List<(Determinant64 Determinant, double ElementHartree)>();
        for (var d = 0; d < kets.Length; d++)
        {
            var ket = kets[d];
            var slotDeterminants = batch.Determinants.AsSpan(d * slots, slots).ToArray();
            var slotElements = batch.ElementsHartree.AsSpan(d * slots, slots).ToArray();
            // Every slot is a distinct single or double excitation inside the sector...
            Assert.Equal(slots, slotDeterminants.Distinct().Count());
            for (var k = 0; k < slots; k++)
            {
                var excited = new Determinant64(slotDeterminants[k]);
                Assert.True(space.IndexOf(excited) >= 0 && excited != ket);
                Assert.InRange(excited.Except(ket).ElectronCount, 1, 2);
                Assert.Equal(hamiltonian.Element(excited, ket), slotElements[k]);
            }
            // ...and dropping the zeros leaves exactly Connected's list, in its order and to the bit.
            hamiltonian.Connected(ket, connected);
            var nonzero = Enumerable.Range(0, slots).Where(k => slotElements[k] != 0.0).ToArray();
            Assert.Equal(connected.Count, nonzero.Length);
            for (var x = 0; x < nonzero.Length; x++)
            {
                Assert.Equal(connected[x].Determinant.Bits, slotDeterminants[nonzero[x]]);
                Assert.Equal(
                    BitConverter.DoubleToInt64Bits(connected[x].ElementHartree),
                    BitConverter.DoubleToInt64Bits(slotElements[nonzero[x]]));
            }
        }
    }

    [Theory]
    [InlineData(ComputeBackendKind.Cpu, 1)]
    [InlineData(ComputeBackendKind.IlgpuCpu, 10)]
    public void Random_integrals_leave_no_slot_zero_and_the_kernel_still_matches(ComputeBackendKind kind, int stride)
    {
        var hamiltonian = RandomIntegrals.Hamiltonian(orbitalCount: 6, seed: 17);
        var kets = new CiSpace<Determinant64>(6, 3, 2).ToArray().Where((_, k) => k % stride == 0).ToArray();
        using var backend = ComputeBackend.Create(kind);
        var batch = ConnectedKernel.Run(backend, hamiltonian, kets.Select(d => d.Bits).ToArray());
        var slots = batch.SlotsPerDeterminant;
        for (var d = 0; d < kets.Length; d++)
        {
            for (var k = 0; k < slots; k++)
            {
                var value = batch.ElementsHartree[d * slots + k];
                Assert.NotEqual(0.0, value);
                Assert.Equal(hamiltonian.Element(new Determinant64(batch.Determinants[d * slots + k]), kets[d]), value);
            }
        }
    }

    [Fact]
    public void A_batch_mixing_sectors_is_refused()
    {
        var hamiltonian = MolecularHamiltonian.FromFcidump(BundledMolecules.Load("h2"));
        using var backend = ComputeBackend.Create(ComputeBackendKind.Cpu);
        Assert.Throws<ArgumentException>(() => ConnectedKernel.Run(backend, hamiltonian, [0b0011UL, 0b0101UL]));
    }

    [Fact]
    public void Compiles_to_PTX_for_a_CUDA_device()
    {
        var ptx = PtxKernelCompiler.Compile(ConnectedKernel.Enumerate, ILGPU.Runtime.Cuda.CudaArchitecture.SM_80);
        Assert.Contains(".target sm_80", ptx);
        Assert.Contains(".entry Kernel_Enumerate", ptx);
        Assert.Contains("sub.f64", ptx);
    }
}
