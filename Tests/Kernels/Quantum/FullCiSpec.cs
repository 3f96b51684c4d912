using Dataflow.Kernels.Quantum;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Quantum;

public sealed class FullCiSpec(ITestOutputHelper output)
{
    [Theory]
    [InlineData("h2", 4)]
    [InlineData("lih", 225)]
    [InlineData("h2o", 441)]
    [InlineData("n2", 14400)]
    public void The_FCI_energy_equals_Psi4s_to_1e_12_hartree(string name, int determinants)
    {
        // Reference: Psi4 1.3.2 energy('fci') on the same RHF orbitals, all orbitals active
        // (Kernels/Quantum/Data/molecules.json, written by make_fcidumps.in).
        var reference = BundledMolecules.Reference(name);
        var result = FullCi.Solve<Determinant64>(BundledMolecules.Load(name));

        output.WriteLine(
            $"{name}: E = {result.EnergyHartree:F12}, Psi4 {reference.FciEnergyHartree:F12}, "
            + $"diff {result.EnergyHartree - reference.FciEnergyHartree:E2}; {result.Space.Dimension} determinants, "
            + $"{result.NonZeroCount} nonzeros, {result.Iterations} Davidson iterations, "
            + $"build {result.BuildTime.TotalMilliseconds:F0} ms, solve {result.SolveTime.TotalMilliseconds:F0} ms");
        Assert.Equal(determinants, result.Space.Dimension);
        // Psi4 converged its FCI to 1e-12 Ha (e_convergence); measured differences: 4e-16 (h2), 1.7e-14 (lih),
        // 3.0e-13 (h2o), 1.7e-13 (n2).
        Assert.True(Math.Abs(result.EnergyHartree - reference.FciEnergyHartree) <= 1e-12,
            $"{name}: {result.EnergyHartree - reference.FciEnergyHartree:E2} Ha from Psi4");
        Assert.True(result.EnergyHartree < reference.RhfEnergyHartree);
        Assert.True(result.ResidualNorm <= 1e-7);
        Assert.Equal(1.0, result.Coefficients.Sum(c => c * c), 1e-12);
    }

    [Theory]
    [InlineData("lih")]
    [InlineData("h2o")]
    public void Relabelling_the_orbitals_leaves_the_FCI_energy_unchanged(string name)
    {
        var fcidump = BundledMolecules.Load(name);
        var reversed = Enumerable.Range(0, fcidump.OrbitalCount).Reverse().ToArray();
        var original = FullCi.Solve<Determinant64>(fcidump).EnergyHartree;
        var byEnergy = FullCi.Solve<Determinant64>(fcidump.WithOrbitalOrder(fcidump.EnergyOrder())).EnergyHartree;
        var backwards = FullCi.Solve<Determinant64>(fcidump.WithOrbitalOrder(reversed)).EnergyHartree;
        Assert.Equal(original, byEnergy, 1e-10);
        Assert.Equal(original, backwards, 1e-10);
        Assert.Equal(fcidump.TwoElectron(0, 1, 2, 3), fcidump.WithOrbitalOrder(reversed).TwoElectron(
            fcidump.OrbitalCount - 1, fcidump.OrbitalCount - 2, fcidump.OrbitalCount - 3, fcidump.OrbitalCount - 4));
    }

    [Fact]
    public void Energy_order_puts_the_occupied_orbitals_of_N2_first()
    {
        // Psi4 lists N2's orbitals by D2h irrep (Ag 1-5 with the pi_g pair at 4 and 5, B1u 6-8, B2u 9, B3u 10, all 1-based);
        // the RHF ground state doubly occupies 1, 2, 3, 6, 7, 9, 10 (DOCC 3 0 0 0 0 2 1 1, make_fcidumps.out).
        var fcidump = BundledMolecules.Load("n2");
        var order = fcidump.EnergyOrder();
        Assert.Equal([0, 5, 1, 6, 8, 9, 2, 3, 4, 7], order);
        var energies = order.Select(i => fcidump.OrbitalEnergiesHartree![i]).ToArray();
        Assert.Equal(energies.Order(), energies);
        Assert.Throws<ArgumentException>(() => fcidump.WithOrbitalOrder([0, 0, 1, 2, 3, 4, 5, 6, 7, 8]));
    }

    [Theory]
    [InlineData("lih")]
    [InlineData("h2o")]
    public void Without_orbital_energies_the_order_follows_the_Fock_diagonal_of_an_aufbau_occupation(string name)
    {
        // The self-consistent diagonal estimate finds the RHF occupation of LiH and H2O; for N2 it settles on the
        // pi_g occupation that Psi4's core guess also converged to, so files with orbital energies use those.
        var fcidump = BundledMolecules.Load(name);
        var occupied = fcidump.AlphaCount;
        var bare = fcidump with { OrbitalEnergiesHartree = null };
        Assert.Equal(fcidump.EnergyOrder().Take(occupied).Order(), bare.EnergyOrder().Take(occupied).Order());
    }

    [Fact]
    public void H2_equals_the_lowest_root_of_its_two_by_two_CI_matrix()
    {
        // Szabo and Ostlund, chapter 4: in minimal-basis H2 only |1s_g^2> and |1s_u^2> mix, through K_12.
        var dump = BundledMolecules.Load("h2");
        var e1 = 2 * dump.OneElectron(0, 0) + dump.TwoElectron(0, 0, 0, 0);
        var e2 = 2 * dump.OneElectron(1, 1) + dump.TwoElectron(1, 1, 1, 1);
        var k12 = dump.TwoElectron(0, 1, 0, 1);
        var lowest = dump.CoreEnergyHartree + (e1 + e2) / 2 - Math.Sqrt((e1 - e2) * (e1 - e2) / 4 + k12 * k12);

        var result = FullCi.Solve<Determinant64>(dump);

        Assert.Equal(lowest, result.EnergyHartree, 1e-12);
        var ground = result.Space.IndexOf(Determinants.FromSpatial<Determinant64>([0], [0]));
        var excited = result.Space.IndexOf(Determinants.FromSpatial<Determinant64>([1], [1]));
        Assert.Equal(1.0, result.Coefficients[ground] * result.Coefficients[ground] + result.Coefficients[excited] * result.Coefficients[excited], 1e-12);
        Assert.True(result.Coefficients[ground] > 0.9 && result.Coefficients[excited] < 0, "bonding configuration dominates, doubly excited one enters with minus sign");
    }

    [Theory]
    [InlineData("h2")]
    [InlineData("lih")]
    [InlineData("h2o")]
    public void Davidson_on_the_sparse_matrix_equals_dense_Householder_QL_on_the_Slater_Condon_matrix(string name)
    {
        var dump = BundledMolecules.Load(name);
        var hamiltonian = MolecularHamiltonian.FromFcidump(dump);

        var sparse = FullCi.Solve<Determinant64>(hamiltonian, dump.AlphaCount, dump.BetaCount);
        var dense = FullCi.SolveDense<Determinant64>(hamiltonian, dump.AlphaCount, dump.BetaCount);

        Assert.Equal(dense.EnergyHartree, sparse.EnergyHartree, 1e-10);
        var overlap = sparse.Coefficients.Zip(dense.Coefficients, (a, b) => a * b).Sum();
        Assert.Equal(1.0, overlap, 1e-8);
    }

    [Fact]
    public void The_sparse_matrix_is_symmetric_and_equals_the_Slater_Condon_matrix()
    {
        var dump = BundledMolecules.Load("h2o");
        var hamiltonian = MolecularHamiltonian.FromFcidump(dump);
        var space = new CiSpace<Determinant64>(dump.OrbitalCount, dump.AlphaCount, dump.BetaCount);

        var sparse = FullCi.BuildHamiltonian(hamiltonian, space).ToDense();
        var dense = FullCi.BuildDenseHamiltonian(hamiltonian, space);

        for (var i = 0; i < space.Dimension; i++)
        {
            for (var j = 0; j < space.Dimension; j++)
            {
                Assert.Equal(dense[i, j], sparse[i, j]);
                Assert.Equal(sparse[j, i], sparse[i, j]);
            }
        }
    }

    [Theory]
    [InlineData("lih")]
    [InlineData("h2o")]
    public void The_128_bit_path_gives_the_64_bit_results_bit_for_bit(string name)
    {
        var dump = BundledMolecules.Load(name);
        var hamiltonian = MolecularHamiltonian.FromFcidump(dump);
        var narrowSpace = new CiSpace<Determinant64>(dump.OrbitalCount, dump.AlphaCount, dump.BetaCount);
        var wideSpace = new CiSpace<Determinant128>(dump.OrbitalCount, dump.AlphaCount, dump.BetaCount);
        var narrow = FullCi.BuildHamiltonian(hamiltonian, narrowSpace);
        var wide = FullCi.BuildHamiltonian(hamiltonian, wideSpace);

        Assert.True(narrow.RowStarts.SequenceEqual(wide.RowStarts));
        Assert.True(narrow.Columns.SequenceEqual(wide.Columns));
        Assert.True(narrow.Values.SequenceEqual(wide.Values));
        var narrowResult = DavidsonSolver.Lowest(narrow);
        var wideResult = DavidsonSolver.Lowest(wide);
        Assert.Equal(narrowResult.Eigenvalue, wideResult.Eigenvalue);
        Assert.Equal(narrowResult.Eigenvector, wideResult.Eigenvector);
        Assert.Equal(BundledMolecules.Reference(name).FciEnergyHartree, wideResult.Eigenvalue, 1e-8);
    }

    [Fact]
    public void A_random_Hamiltonian_beyond_64_spin_orbitals_is_solved_by_the_128_bit_path()
    {
        // 33 spatial orbitals = 66 spin orbitals; two alpha electrons give 528 determinants, small enough for the
        // dense Householder-QL check. (Elements with electrons of both spins beyond bit 64 are checked against
        // brute-force second quantisation in MolecularHamiltonianSpec.)
        var hamiltonian = RandomIntegrals.Hamiltonian(orbitalCount: 33, seed: 21);
        var sparse = FullCi.Solve<Determinant128>(hamiltonian, 2, 0);
        var dense = FullCi.SolveDense<Determinant128>(hamiltonian, 2, 0);
        Assert.Equal(528, sparse.Space.Dimension);
        Assert.Equal(dense.EnergyHartree, sparse.EnergyHartree, 1e-10);
        Assert.Contains(sparse.Space.ToArray(), d => d.High != 0);
    }

    [Fact]
    public void Building_the_matrix_is_independent_of_the_thread_count()
    {
        var dump = BundledMolecules.Load("h2o");
        var hamiltonian = MolecularHamiltonian.FromFcidump(dump);
        var space = new CiSpace<Determinant64>(dump.OrbitalCount, dump.AlphaCount, dump.BetaCount);
        var serial = FullCi.BuildHamiltonian(hamiltonian, space, maxDegreeOfParallelism: 1);
        var parallel = FullCi.BuildHamiltonian(hamiltonian, space);
        Assert.True(serial.Columns.SequenceEqual(parallel.Columns));
        Assert.True(serial.Values.SequenceEqual(parallel.Values));
        var serialResult = DavidsonSolver.Lowest(serial, new DavidsonOptions { MaxDegreeOfParallelism = 1 });
        var parallelResult = DavidsonSolver.Lowest(parallel);
        Assert.Equal(serialResult.Eigenvalue, parallelResult.Eigenvalue);
    }
}
