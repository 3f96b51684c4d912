using Dataflow.Kernels.Quantum;
using Xunit;

namespace Dataflow.Tests.Kernels.Quantum;

public sealed class MolecularHamiltonianSpec
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Slater_Condon_elements_equal_brute_force_second_quantisation_on_every_pair(int electrons)
    {
        // Reference: SecondQuantization applies H operator by operator to bit strings (Szabo and Ostlund, section 2.4).
        var hamiltonian = RandomIntegrals.Hamiltonian(orbitalCount: 4, seed: 100 + electrons);
        var determinants = Enumerable.Range(0, 256)
            .Where(bits => System.Numerics.BitOperations.PopCount((uint)bits) == electrons)
            .Select(bits => new Determinant64((ulong)bits))
            .ToArray();
        var nonzero = 0;
        foreach (var ket in determinants)
        {
            var column = SecondQuantization.Apply(hamiltonian, SecondQuantization.Bits(ket));
            foreach (var bra in determinants)
            {
                var expected = column.GetValueOrDefault(SecondQuantization.Bits(bra));
                var actual = hamiltonian.Element(bra, ket);
                Assert.True(
                    Math.Abs(expected - actual) <= 1e-12,
                    $"<{Determinants.Describe(bra, 4)}|H|{Determinants.Describe(ket, 4)}>: expected {expected:R}, got {actual:R}");
                nonzero += actual != 0.0 ? 1 : 0;
            }
        }
        // Random integrals leave every spin-allowed element nonzero, so a sign error could not hide.
        Assert.True(nonzero > determinants.Length * 4);
    }

    [Fact]
    public void Connected_lists_exactly_the_nonzero_off_diagonal_column_of_H()
    {
        var hamiltonian = RandomIntegrals.Hamiltonian(orbitalCount: 5, seed: 7);
        var space = new CiSpace<Determinant64>(5, 3, 2);
        var connected = new List<(Determinant64 Determinant, double ElementHartree)>();
        foreach (var ket in space.ToArray())
        {
            var column = SecondQuantization.Apply(hamiltonian, ket.Bits);
            hamiltonian.Connected(ket, connected);
            Assert.Equal(connected.Count, connected.Select(c => c.Determinant).Distinct().Count());
            Assert.DoesNotContain(connected, c => c.Determinant == ket);
            var expected = column.Where(e => e.Key != ket.Bits && Math.Abs(e.Value) > 1e-13).ToDictionary();
            Assert.Equal(expected.Count, connected.Count);
            foreach (var (determinant, element) in connected)
            {
                Assert.Equal(expected[determinant.Bits], element, 1e-12);
                Assert.Equal(hamiltonian.Element(determinant, ket), element);
            }
            Assert.Equal(column[ket.Bits], hamiltonian.Diagonal(ket), 1e-12);
        }
    }

    [Fact]
    public void Wide_determinants_beyond_64_spin_orbitals_match_brute_force_second_quantisation()
    {
        // 36 spatial orbitals = 72 spin orbitals: only Determinant128 holds them.
        const int Orbitals = 36;
        var hamiltonian = RandomIntegrals.Hamiltonian(Orbitals, seed: 3);
        var random = new Random(5);
        var connected = new List<(Determinant128 Determinant, double ElementHartree)>();
        for (var trial = 0; trial < 12; trial++)
        {
            var alpha = Enumerable.Range(0, Orbitals).OrderBy(_ => random.Next()).Take(2).ToArray();
            var beta = Enumerable.Range(0, Orbitals).OrderBy(_ => random.Next()).Take(2).ToArray();
            if (trial == 0)
            {
                (alpha, beta) = ([33, 35], [0, 34]);
            }
            var ket = Determinants.FromSpatial<Determinant128>(alpha, beta);
            var column = SecondQuantization.Apply(hamiltonian, SecondQuantization.Bits(ket));
            hamiltonian.Connected(ket, connected);
            var expected = column.Where(e => e.Key != SecondQuantization.Bits(ket) && Math.Abs(e.Value) > 1e-13).ToDictionary();
            Assert.Equal(expected.Count, connected.Count);
            foreach (var (determinant, element) in connected)
            {
                Assert.Equal(expected[SecondQuantization.Bits(determinant)], element, 1e-12);
            }
            Assert.Equal(column[SecondQuantization.Bits(ket)], hamiltonian.Diagonal(ket), 1e-12);
        }
    }

    [Fact]
    public void The_matrix_is_exactly_symmetric()
    {
        var hamiltonian = MolecularHamiltonian.FromFcidump(BundledMolecules.Load("lih"));
        var determinants = new CiSpace<Determinant64>(6, 2, 2).ToArray();
        foreach (var bra in determinants)
        {
            foreach (var ket in determinants)
            {
                Assert.Equal(hamiltonian.Element(bra, ket), hamiltonian.Element(ket, bra));
            }
        }
    }

    [Fact]
    public void H2_couples_its_two_closed_shells_by_the_exchange_integral_K12()
    {
        // Szabo and Ostlund, chapter 4 (minimal-basis H2): <1s_g^2|H|1s_u^2> = K_12 = (12|21) = (12|12);
        // <1s_g^2|H|1s_g^2> = 2 h_11 + J_11; the open-shell determinants do not couple by symmetry.
        var dump = BundledMolecules.Load("h2");
        var hamiltonian = MolecularHamiltonian.FromFcidump(dump);
        var ground = Determinants.FromSpatial<Determinant64>([0], [0]);
        var excited = Determinants.FromSpatial<Determinant64>([1], [1]);
        var open = Determinants.FromSpatial<Determinant64>([0], [1]);

        Assert.Equal(dump.TwoElectron(0, 1, 0, 1), hamiltonian.Element(excited, ground));
        Assert.Equal(dump.CoreEnergyHartree + 2 * dump.OneElectron(0, 0) + dump.TwoElectron(0, 0, 0, 0), hamiltonian.Diagonal(ground), 1e-14);
        Assert.Equal(0.0, hamiltonian.Element(open, ground));
        Assert.Equal(0.0, hamiltonian.Element(Determinants.FromSpatial<Determinant64>([1], [0]), ground));
    }

    [Theory]
    [InlineData("h2")]
    [InlineData("lih")]
    [InlineData("h2o")]
    [InlineData("n2")]
    public void The_Hartree_Fock_determinant_energy_equals_Psi4s_RHF_energy(string name)
    {
        // Reference: Psi4 1.3.2 RHF energy, Kernels/Quantum/Data/molecules.json. The occupied orbitals are the
        // lowest by the FCIDUMP's orbital energies (Psi4 writes orbitals grouped by irrep, not by energy).
        var dump = BundledMolecules.Load(name);
        var occupied = dump.OrbitalEnergiesHartree!
            .Select((energy, p) => (energy, p))
            .OrderBy(e => e.energy)
            .Take(dump.ElectronCount / 2)
            .Select(e => e.p)
            .ToArray();
        var hartreeFock = Determinants.FromSpatial<Determinant64>(occupied, occupied);
        var hamiltonian = MolecularHamiltonian.FromFcidump(dump);

        Assert.Equal(BundledMolecules.Reference(name).RhfEnergyHartree, hamiltonian.Diagonal(hartreeFock), 1e-9);
        var wide = Determinants.FromSpatial<Determinant128>(occupied, occupied);
        Assert.Equal(hamiltonian.Diagonal(hartreeFock), hamiltonian.Diagonal(wide));
    }

    [Fact]
    public void Integrals_without_permutational_symmetry_are_refused()
    {
        var eri = new double[16];
        eri[1] = 0.1; // (11|12) without (11|21)
        var error = Assert.Throws<ArgumentException>(() => MolecularHamiltonian.FromIntegrals(2, 0.0, new double[4], eri));
        Assert.Contains("8-fold symmetry", error.Message);
    }
}
