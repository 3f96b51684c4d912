using Dataflow.Kernels.Quantum;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Quantum;

/// <summary>The direct (matrix-free) CI product and the block-Davidson solver against the explicit sparse matrix,
/// dense diagonalisation and Psi4.</summary>
public sealed class DirectCiSpec(ITestOutputHelper output)
{
    public static TheoryData<string, int, int, int> Sectors => new()
    {
        // name (bundled molecule or "random:n"), alpha, beta, seed
        { "h2o", 5, 5, 1 },
        { "lih", 2, 2, 2 },
        { "random:6", 3, 2, 3 },
        { "random:7", 2, 4, 4 },
        { "random:6", 3, 3, 5 },
    };

    [Theory]
    [MemberData(nameof(Sectors))]
    public void The_direct_product_equals_the_explicit_matrix_product_to_1e_12(string name, int alpha, int beta, int seed)
    {
        var hamiltonian = Hamiltonian(name, seed);
        var space = new CiSpace<Determinant64>(hamiltonian.OrbitalCount, alpha, beta);
        var explicitMatrix = FullCi.BuildHamiltonian(hamiltonian, space);
        var direct = DirectCi.Create(hamiltonian, alpha, beta);
        Assert.Equal(space.Dimension, direct.Dimension);

        // The explicit matrix interleaves the spins; the direct product orders alpha first: H_explicit = P H_direct P.
        var phase = Enumerable.Range(0, space.Dimension)
            .Select(i => DirectCi.InterleavedSign(space[i].AlphaString, space[i].BetaString)).ToArray();
        var random = new Random(seed);
        for (var trial = 0; trial < 3; trial++)
        {
            var x = Enumerable.Range(0, space.Dimension).Select(_ => random.NextDouble() - 0.5).ToArray();
            var expected = new double[x.Length];
            explicitMatrix.Multiply(x, expected);
            var sigma = new double[x.Length];
            direct.Multiply(x.Select((v, i) => v * phase[i]).ToArray(), sigma);
            var worst = 0.0;
            for (var i = 0; i < x.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(phase[i] * sigma[i] - expected[i]));
            }
            output.WriteLine($"{name} ({alpha}, {beta}): {x.Length} determinants, largest difference {worst:E2}");
            Assert.True(worst <= 1e-12, $"largest difference {worst:E2}");
        }
        var diagonal = direct.Diagonal();
        var explicitDiagonal = explicitMatrix.Diagonal();
        for (var i = 0; i < diagonal.Length; i++)
        {
            Assert.Equal(explicitDiagonal[i], diagonal[i], 1e-12);
        }
    }

    [Theory]
    [InlineData("h2o")]
    [InlineData("n2")]
    public void The_product_of_one_irrep_block_equals_the_full_product(string name)
    {
        // H conserves the irrep of ORBSYM: a vector in one block has its product in that block, and the block-only
        // product (1/|G| of the work) must equal the full one there.
        var fcidump = BundledMolecules.Load(name);
        var direct = DirectCi.Create(MolecularHamiltonian.FromFcidump(fcidump), fcidump.AlphaCount, fcidump.BetaCount, fcidump.OrbitalSymmetries);
        var random = new Random(3);
        var dimensions = direct.IrrepDimensions();
        Assert.Equal(direct.Dimension, dimensions.Sum());
        for (var g = 0; g < 8; g++)
        {
            if (dimensions[g] == 0)
            {
                continue;
            }
            var x = new double[direct.Dimension];
            for (var i = 0L; i < x.Length; i++)
            {
                x[i] = direct.Irrep(i) == g + 1 ? random.NextDouble() - 0.5 : 0.0;
            }
            var full = new double[x.Length];
            direct.Multiply(x, full);
            var block = direct.BlockOf(g);
            Assert.Equal(dimensions[g], block.Dimension);
            var compact = new double[block.Dimension];
            for (var i = 0L; i < x.Length; i++)
            {
                if (direct.BlockIndex(block, i) is var k and >= 0)
                {
                    compact[k] = x[i];
                }
            }
            var product = new double[block.Dimension];
            direct.Multiply(block, compact, product);
            Assert.Equal(x, direct.Expand(block, compact));
            // The block's own diagonal is the same bits as the sector's restricted to it, and positions map both ways.
            Assert.Equal(direct.BlockDiagonal(block, direct.Diagonal()).Select(BitConverter.DoubleToInt64Bits),
                direct.Diagonal(block).Select(BitConverter.DoubleToInt64Bits));
            for (var k = 0L; k < block.Dimension; k++)
            {
                Assert.Equal(k, direct.BlockIndex(block, direct.SectorIndex(block, k)));
            }
            var worst = full.Zip(direct.Expand(block, product), (a, b) => Math.Abs(a - b)).Max();
            output.WriteLine($"{name} irrep {g + 1}: {dimensions[g]} determinants, largest difference {worst:E2}");
            Assert.True(worst <= 1e-12, $"irrep {g + 1}: {worst:E2}");
        }
    }

    [Theory]
    [InlineData("h2o")]
    [InlineData("n2")]
    public void The_spin_flip_of_each_irrep_block_commutes_with_its_product(string name)
    {
        // The solver splits each block of M_s = 0 into spin-flip parities (even and odd S) and solves them apart: that
        // is exact only if H P = P H for the permutation P that exchanges the alpha and beta strings.
        var fcidump = BundledMolecules.Load(name);
        var direct = DirectCi.Create(MolecularHamiltonian.FromFcidump(fcidump), fcidump.AlphaCount, fcidump.BetaCount, fcidump.OrbitalSymmetries);
        var random = new Random(5);
        var dimensions = direct.IrrepDimensions();
        for (var g = 0; g < 8; g++)
        {
            if (dimensions[g] == 0)
            {
                continue;
            }
            var block = direct.BlockOf(g);
            var flip = direct.SpinFlip(block)!;
            Assert.Equal(Enumerable.Range(0, flip.Length), flip.Order());
            Assert.All(Enumerable.Range(0, flip.Length), i => Assert.Equal(i, flip[flip[i]]));
            var x = Enumerable.Range(0, flip.Length).Select(_ => random.NextDouble() - 0.5).ToArray();
            var hx = new double[x.Length];
            direct.Multiply(block, x, hx);
            var px = flip.Select(j => x[j]).ToArray();
            var hpx = new double[x.Length];
            direct.Multiply(block, px, hpx);
            var worst = Enumerable.Range(0, x.Length).Max(i => Math.Abs(hpx[i] - hx[flip[i]]));
            output.WriteLine($"{name} irrep {g + 1}: {x.Length} determinants, largest |HPx - PHx| {worst:E2}");
            Assert.True(worst <= 1e-12, $"irrep {g + 1}: {worst:E2}");
        }
        Assert.Null(DirectCi.Create(MolecularHamiltonian.FromFcidump(fcidump), fcidump.AlphaCount + 1, fcidump.BetaCount - 1,
            fcidump.OrbitalSymmetries).SpinFlip(direct.BlockOf(0)));
    }

    [Fact]
    public void Spin_0_gives_the_even_spin_states_of_the_solve_over_every_spin()
    {
        var fcidump = BundledMolecules.Load("lih");
        var all = DirectFullCi.Solve(fcidump, new DirectFullCiOptions { Roots = 8 });
        var even = DirectFullCi.Solve(fcidump, new DirectFullCiOptions { Roots = 3, Spin = 0 });
        var expected = all.Roots.Where(r => Math.Round((Math.Sqrt(1 + 4 * r.SpinSquared) - 1) / 2) % 2 == 0).Take(3).ToArray();
        Assert.Equal(3, expected.Length);
        for (var k = 0; k < 3; k++)
        {
            output.WriteLine($"root {k}: {even.Roots[k].EnergyHartree:F12} (<S^2> {even.Roots[k].SpinSquared:F6}); every spin: {expected[k].EnergyHartree:F12}");
            Assert.Equal(expected[k].EnergyHartree, even.Roots[k].EnergyHartree, 1e-9);
            Assert.Equal(expected[k].SpinSquared, even.Roots[k].SpinSquared, 1e-6);
        }
    }

    [Fact]
    public void The_product_is_the_same_bits_on_one_thread_and_on_all()
    {
        var hamiltonian = RandomIntegrals.Hamiltonian(8, 11);
        var direct = DirectCi.Create(hamiltonian, 4, 3);
        var random = new Random(7);
        var x = Enumerable.Range(0, (int)direct.Dimension).Select(_ => random.NextDouble() - 0.5).ToArray();
        var one = new double[x.Length];
        var all = new double[x.Length];
        direct.Multiply(x, one, maxDegreeOfParallelism: 1);
        direct.Multiply(x, all, maxDegreeOfParallelism: -1);
        Assert.Equal(one.Select(BitConverter.DoubleToInt64Bits), all.Select(BitConverter.DoubleToInt64Bits));
    }

    [Theory]
    [InlineData("lih")]
    [InlineData("h2o")]
    public void Three_roots_equal_the_lowest_three_eigenvalues_of_the_dense_matrix(string name)
    {
        var fcidump = BundledMolecules.Load(name);
        var hamiltonian = MolecularHamiltonian.FromFcidump(fcidump);
        var space = new CiSpace<Determinant64>(fcidump.OrbitalCount, fcidump.AlphaCount, fcidump.BetaCount);
        var dense = TridiagonalEigensolver.Solve(FullCi.BuildDenseHamiltonian(hamiltonian, space)).Values.Order().ToArray();

        var result = DirectFullCi.Solve(fcidump, new DirectFullCiOptions { Roots = 3 });

        for (var k = 0; k < 3; k++)
        {
            var root = result.Roots[k];
            output.WriteLine($"{name} root {k}: E {root.EnergyHartree:F12} (dense {dense[k]:F12}), <S^2> {root.SpinSquared:F6}, irrep {root.Irrep}");
            Assert.Equal(dense[k], root.EnergyHartree, 1e-9);
            // <S^2> of an eigenstate is S(S + 1).
            var s = (Math.Sqrt(1 + 4 * root.SpinSquared) - 1) / 2;
            Assert.Equal(Math.Round(s), s, 1e-6);
        }
    }

    [Fact]
    public void The_lowest_triplet_of_the_Ms_0_sector_is_the_ground_state_of_the_Ms_1_sector()
    {
        // <S^2> checked against a second calculation: a state with S = 1 found at M_s = 0 has a partner at M_s = 1,
        // and no state of M_s = 1 can lie below the lowest S >= 1 state of M_s = 0.
        var fcidump = BundledMolecules.Load("lih");
        var all = DirectFullCi.Solve(fcidump, new DirectFullCiOptions { Roots = 6 });
        var triplet = all.Roots.First(r => Math.Abs(r.SpinSquared - 2) < 1e-6);
        var high = DirectFullCi.Solve(fcidump, new DirectFullCiOptions { Spin = 1 });
        output.WriteLine($"lowest triplet at Ms = 0: {triplet.EnergyHartree:F12}; ground state at Ms = 1: {high.Roots[0].EnergyHartree:F12}");
        Assert.Equal(triplet.EnergyHartree, high.Roots[0].EnergyHartree, 1e-9);
        Assert.Equal(2.0, high.Roots[0].SpinSquared, 1e-6);
        Assert.Equal(0.0, all.Roots[0].SpinSquared, 1e-8);
    }

    [Theory]
    [InlineData("h2")]
    [InlineData("lih")]
    [InlineData("h2o")]
    [InlineData("n2")]
    public void The_direct_solver_equals_Psi4_on_the_bundled_molecules(string name)
    {
        var reference = BundledMolecules.Reference(name);
        var result = DirectFullCi.Solve(BundledMolecules.Load(name));
        output.WriteLine($"{name}: {result.Roots[0].EnergyHartree:F12}, Psi4 {reference.FciEnergyHartree:F12}, {result.Products} products");
        Assert.Equal(reference.FciEnergyHartree, result.Roots[0].EnergyHartree, 1e-10);
        Assert.Equal(0.0, result.Roots[0].SpinSquared, 1e-8);
        Assert.Equal(1, result.Roots[0].Irrep);
    }

    [Fact]
    public void C2_finds_the_ground_state_outside_the_Hartree_Fock_determinants_sector()
    {
        // Reference: Psi4 1.3.2 energy('fci') on the same RHF orbitals, -74.690210957604 Ha
        // (Kernels/Quantum/Data/make_fcidumps_more.in and .out; molecules-more.json). The RHF determinant occupies the
        // pi_u orbitals; a solver that keeps to its sector stops at -74.6404777 Ha.
        var reference = ReferenceMolecules.Find("c2").Fci(0);
        var result = DirectFullCi.Solve(FcidumpReader.Read(ReferenceMolecules.Path("c2")), new DirectFullCiOptions { Roots = 2 });
        foreach (var root in result.Roots)
        {
            output.WriteLine($"c2: E {root.EnergyHartree:F12}, <S^2> {root.SpinSquared:F6}, irrep {root.Irrep}");
        }
        output.WriteLine($"Psi4 {reference:F12}; {result.Determinants} determinants, {result.Products} products");
        Assert.Equal(44100, result.Determinants);
        Assert.True(Math.Abs(result.Roots[0].EnergyHartree - reference) <= 1e-8, $"{result.Roots[0].EnergyHartree - reference:E2} Ha from Psi4");
        Assert.Equal(0.0, result.Roots[0].SpinSquared, 1e-8);
        Assert.Equal(1, result.Roots[0].Irrep);
    }

    [Theory]
    [InlineData("h2o", 1)]
    [InlineData("n2", 2)]
    public void Frozen_core_equals_Psi4s_frozen_core_FCI(string name, int frozen)
    {
        // Reference: Psi4 1.3.2 energy('fci') with num_frozen_docc (make_fcidumps_more.in and .out).
        var reference = ReferenceMolecules.Find(name).Fci(frozen);
        var fcidump = BundledMolecules.Load(name);
        var result = DirectFullCi.Solve(fcidump, new DirectFullCiOptions { FrozenCore = frozen });
        output.WriteLine($"{name}, {frozen} frozen: E {result.Roots[0].EnergyHartree:F12}, Psi4 {reference:F12}, {result.Determinants} determinants");
        Assert.True(Math.Abs(result.Roots[0].EnergyHartree - reference) <= 1e-8, $"{result.Roots[0].EnergyHartree - reference:E2} Ha from Psi4");
        // Freezing raises the energy a little above the all-electron FCI.
        var all = BundledMolecules.Reference(name).FciEnergyHartree;
        Assert.InRange(result.Roots[0].EnergyHartree - all, 1e-6, 1e-2);
        Assert.Throws<ArgumentException>(() => FrozenCore.Fold(fcidump, fcidump.AlphaCount + 1));
    }

    [Fact]
    public void The_size_estimate_counts_the_determinants_before_any_work()
    {
        var h2o = BundledMolecules.Load("h2o");
        var size = DirectFullCi.Estimate(h2o);
        Assert.Equal(441, size.Determinants);
        var frozen = DirectFullCi.Estimate(h2o, new DirectFullCiOptions { FrozenCore = 1 });
        Assert.Equal(225, frozen.Determinants);
        var triplet = DirectFullCi.Estimate(h2o, new DirectFullCiOptions { Spin = 1 });
        Assert.Equal(7 * 35, triplet.Determinants);
        Assert.True(size.MemoryBytes > 441 * 8 && size.EstimatedSeconds > 0);
        Assert.Throws<ArgumentException>(() => DirectFullCi.Estimate(h2o, new DirectFullCiOptions { Spin = 6 }));
    }

    private static MolecularHamiltonian Hamiltonian(string name, int seed) =>
        name.StartsWith("random:", StringComparison.Ordinal)
            ? RandomIntegrals.Hamiltonian(int.Parse(name["random:".Length..], System.Globalization.CultureInfo.InvariantCulture), seed)
            : MolecularHamiltonian.FromFcidump(BundledMolecules.Load(name));
}
