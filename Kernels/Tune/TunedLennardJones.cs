using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Md;

namespace Dataflow.Kernels.Tune;

/// <summary>The md workload's lj/cut pair kernel (<see cref="LennardJonesCutKernel.FullListForces"/>) on its
/// production CPU path, direct dispatch, or on an ILGPU accelerator (CUDA when this process sees a device), with the
/// launch's split as schedule.</summary>
/// <remarks>
/// Knobs on the CPU: <c>Chunk</c> (the launch's minimum chunk length in atoms, <see cref="LaunchExtent.MinChunkLength"/>;
/// <see cref="LennardJonesCut"/> launches with 64) and <c>Threads</c> (the backend's
/// <see cref="ComputeBackendOptions.MaxDegreeOfParallelism"/>). On an accelerator <c>Chunk</c> is the work group's
/// size in atoms (<see cref="LaunchExtent.GroupSize"/>: whole warps, at most the device's limit) and <c>Threads</c> is
/// not read. Every atom writes only its own output, so all schedules give the same bits on one device. The system is an fcc lattice at the LAMMPS <c>bench/in.lj</c> density 0.8442 with
/// positions jittered by a seeded stream, one atom type, epsilon = sigma = 1.
/// </remarks>
public sealed class TunedLennardJones : IDisposable
{
    private readonly Dictionary<int, (ComputeBackend Backend, ComputeBuffer<double> Positions, ComputeBuffer<int> Neighbors, ComputeBuffer<double> Table, ComputeBuffer<double> Output)> _backends = [];
    private readonly double[] _positionsAndTypes;
    private readonly int[] _packed;
    private readonly double[] _table;
    private readonly LennardJonesCutKernelParameters _parameters;
    private readonly ComputeBackendKind _kind;

    /// <summary>Builds the system of <paramref name="cellsPerSide"/>^3 fcc cells and its full neighbour list.</summary>
    /// <param name="cellsPerSide">Cells per box edge: 4 atoms each.</param>
    /// <param name="cutoffSigma">Pair cutoff in sigma (LAMMPS bench: 2.5).</param>
    /// <param name="seed">Seed of the position jitter.</param>
    /// <param name="kind">Where the kernel runs: direct CPU dispatch (the default), ILGPU's CPU accelerator, or CUDA.</param>
    public TunedLennardJones(int cellsPerSide, double cutoffSigma, long seed, ComputeBackendKind kind = ComputeBackendKind.Cpu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cellsPerSide, 1);
        _kind = kind;
        var system = FccLattice.Create(cellsPerSide, cellsPerSide, cellsPerSide, 0.8442, cellsPerSide, 1.0, seed);
        var n = system.AtomCount;
        var rng = new Random(unchecked((int)seed));
        var positions = (double[])system.Positions.Clone();
        var box = system.Box;
        for (var i = 0; i < positions.Length; i++)
        {
            var (lo, hi) = (box.Lo(i % 3), box.Hi(i % 3));
            var x = positions[i] + 0.05 * (rng.NextDouble() - 0.5);
            positions[i] = x < lo ? x + (hi - lo) : x >= hi ? x - (hi - lo) : x;
        }
        var list = new NeighborListBuilder(1).Build(box, positions, cutoffSigma, NeighborListKind.Full);
        _packed = list.ToPacked();
        _positionsAndTypes = new double[4 * n];
        for (var i = 0; i < n; i++)
        {
            _positionsAndTypes[4 * i] = positions[3 * i];
            _positionsAndTypes[4 * i + 1] = positions[3 * i + 1];
            _positionsAndTypes[4 * i + 2] = positions[3 * i + 2];
        }
        // lj/cut coefficients for epsilon = sigma = 1 (LAMMPS pair_lj_cut.cpp init_one), no energy shift.
        _table = [cutoffSigma * cutoffSigma, 48, 24, 4, 4, 0];
        _parameters = new LennardJonesCutKernelParameters(n, 1, box.LengthX, box.LengthY, box.LengthZ, 1);
        AtomCount = n;
        NeighborVisits = list.ToPacked().Length - (n + 1);
    }

    /// <summary>Atoms in the system.</summary>
    public int AtomCount { get; }

    /// <summary>Entries of the full neighbour list: the pair loop's trip count.</summary>
    public int NeighborVisits { get; }

    /// <summary>Positions (x y z type per atom) as the kernel reads them.</summary>
    public ReadOnlySpan<double> PositionsAndTypes => _positionsAndTypes;

    /// <summary>The full neighbour list in packed layout.</summary>
    public ReadOnlySpan<int> PackedNeighbors => _packed;

    /// <summary>The pair table row: cutoff squared, lj1..lj4, offset.</summary>
    public ReadOnlySpan<double> PairTable => _table;

    /// <summary>The launch's scalars.</summary>
    public LennardJonesCutKernelParameters Parameters => _parameters;

    /// <summary>Runs the kernel with schedule <paramref name="s"/>; returns the output buffer (10 doubles per atom).</summary>
    public ReadOnlySpan<double> Run(TuneSchedule s)
    {
        var onCpu = _kind == ComputeBackendKind.Cpu;
        var threads = onCpu ? Math.Max(1, s.Threads) : 0;
        if (!_backends.TryGetValue(threads, out var b))
        {
            var backend = onCpu
                ? ComputeBackend.Create(ComputeBackendKind.Cpu, new ComputeBackendOptions { MaxDegreeOfParallelism = threads })
                : ComputeBackend.Create(_kind);
            b = (backend, backend.FromArray(_positionsAndTypes), backend.FromArray(_packed), backend.FromArray(_table),
                backend.Allocate1D<double>(LennardJonesCutKernel.OutputStride * AtomCount));
            _backends[threads] = b;
        }
        b.Backend.Launch(
            LennardJonesCutKernel.FullListForces,
            onCpu ? new LaunchExtent(AtomCount, Math.Max(1, s.Chunk)) : new LaunchExtent(AtomCount, GroupSize: Math.Max(1, s.Chunk)),
            b.Positions.View,
            b.Neighbors.View,
            b.Table.View,
            _parameters,
            b.Output.View);
        b.Backend.Synchronize();
        return onCpu ? b.Output.AsSpan() : b.Backend.CopyToArray(b.Output);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var b in _backends.Values)
        {
            b.Output.Dispose();
            b.Table.Dispose();
            b.Neighbors.Dispose();
            b.Positions.Dispose();
            b.Backend.Dispose();
        }
        _backends.Clear();
    }
}
