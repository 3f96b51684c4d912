using Dataflow.Kernels.Compute;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>The lj/cut domain loop run as <see cref="DomainLennardJonesCutKernel"/> on a
/// <see cref="ComputeBackend"/>: a CUDA GPU on GPU nodes, direct dispatch or ILGPU's CPU accelerator elsewhere.</summary>
/// <remarks>Positions are uploaded on every call, the list only after it was rebuilt. On the CPU backends the
/// results are bitwise those of <see cref="DomainLennardJonesCut"/>.</remarks>
public sealed class DomainLennardJonesCutOnBackend : IDomainPairStyle, IDisposable
{
    private readonly double[] _tableHost;
    private ComputeBackend? _backend;
    private ComputeBuffer<double>? _table;
    private ComputeBuffer<double>? _positionsAndTypes;
    private ComputeBuffer<int>? _neighbors;
    private ComputeBuffer<double>? _output;
    private double[] _positionsHost = [];
    private double[] _outputHost = [];
    private int[] _packedHost = [];
    private DomainNeighborList? _uploadedList;
    private int _uploadedVersion = -1;
    private bool _disposed;

    /// <summary>The kernel form of <paramref name="source"/>'s coefficients.</summary>
    /// <param name="source">The engine's lj/cut style; its coefficient table is copied.</param>
    /// <param name="backend">Where the kernel runs; null lets <see cref="ComputeBackend.Create"/> choose (CUDA when
    /// present, else direct CPU dispatch).</param>
    /// <param name="threads">Workers of direct dispatch; 0 for all processors.</param>
    public DomainLennardJonesCutOnBackend(LennardJonesCut source, ComputeBackendKind? backend = null, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        _tableHost = source.PairTable.ToArray();
        TypeCount = source.TypeCount;
        Cutoff = source.MaxCutoff;
        BackendKind = backend;
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
    }

    /// <inheritdoc/>
    public string Name => "lj/cut";

    /// <inheritdoc/>
    public double Cutoff { get; }

    /// <inheritdoc/>
    public bool UsesCharges => false;

    /// <summary>Atom types.</summary>
    public int TypeCount { get; }

    /// <summary>The backend asked for; null when <see cref="ComputeBackend.Create"/> chooses.</summary>
    public ComputeBackendKind? BackendKind { get; }

    /// <summary>Workers of direct dispatch.</summary>
    public int Threads { get; }

    /// <summary>The backend in use, e.g. <c>cpu: direct dispatch on ...</c>; null before the first
    /// <see cref="Compute"/>.</summary>
    public string? Backend => _backend?.Name;

    /// <inheritdoc/>
    public void Compute(DomainNeighborList list, double[] positions, int[] types, double[]? charges, ForceResult result)
    {
        DomainPairSupport.Validate(Name, list, positions, types, charges, false, TypeCount, result);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _backend ??= ComputeBackend.Create(BackendKind, new ComputeBackendOptions { MaxDegreeOfParallelism = Threads });
        _table ??= _backend.FromArray(_tableHost);
        var owned = list.OwnedCount;
        if (owned == 0)
        {
            return;
        }
        UploadPositions(positions, types, list.LocalCount);
        UploadList(list);
        EnsureOutput(owned);
        var tally = DomainPairSupport.WantsTally(result);
        _backend.Launch(
            DomainLennardJonesCutKernel.Forces,
            new LaunchExtent(owned, 64),
            _positionsAndTypes!.View,
            _neighbors!.View,
            _table.View,
            new DomainLennardJonesCutKernelParameters(owned, TypeCount, tally ? 1 : 0),
            _output!.View);
        ReadOnlySpan<double> output;
        if (_output.IsHostMemory)
        {
            _backend.Synchronize();
            output = _output.AsSpan();
        }
        else
        {
            _output.CopyTo(_outputHost.AsSpan(0, LennardJonesCutKernel.OutputStride * owned));
            output = _outputHost;
        }
        const int s = LennardJonesCutKernel.OutputStride;
        var f = result.Forces;
        for (var i = 0; i < owned; i++)
        {
            f[3 * i] += output[s * i];
            f[3 * i + 1] += output[s * i + 1];
            f[3 * i + 2] += output[s * i + 2];
        }
        if (tally)
        {
            DomainTallies.AddTo(result, owned, output, s, 3, output, s, 4);
        }
    }

    /// <summary>Frees the device buffers and the backend.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _table?.Dispose();
        _positionsAndTypes?.Dispose();
        _neighbors?.Dispose();
        _output?.Dispose();
        _backend?.Dispose();
    }

    private void UploadPositions(double[] positions, int[] types, int count)
    {
        if (_positionsAndTypes is null || _positionsAndTypes.Length < 4 * count)
        {
            _positionsAndTypes?.Dispose();
            var capacity = count + count / 8;
            _positionsAndTypes = _backend!.Allocate1D<double>(4 * capacity);
            _positionsHost = new double[4 * capacity];
        }
        var host = _positionsAndTypes.IsHostMemory ? _positionsAndTypes.AsSpan() : _positionsHost;
        for (var i = 0; i < count; i++)
        {
            host[4 * i] = positions[3 * i];
            host[4 * i + 1] = positions[3 * i + 1];
            host[4 * i + 2] = positions[3 * i + 2];
            host[4 * i + 3] = types[i] - 1;
        }
        if (!_positionsAndTypes.IsHostMemory)
        {
            _positionsAndTypes.CopyFrom(_positionsHost.AsSpan(0, 4 * count));
        }
    }

    private void UploadList(DomainNeighborList list)
    {
        if (ReferenceEquals(list, _uploadedList) && list.Version == _uploadedVersion)
        {
            return;
        }
        var owned = list.OwnedCount;
        var length = owned + 1 + list.EntryCount;
        if (_packedHost.Length < length)
        {
            _packedHost = new int[length + length / 8];
        }
        var offsets = list.Offsets;
        for (var i = 0; i <= owned; i++)
        {
            _packedHost[i] = offsets[i] + owned + 1;
        }
        list.Neighbors.CopyTo(_packedHost.AsSpan(owned + 1));
        if (_neighbors is null || _neighbors.Length < length)
        {
            _neighbors?.Dispose();
            _neighbors = _backend!.Allocate1D<int>(_packedHost.Length);
        }
        _neighbors.CopyFrom(_packedHost.AsSpan(0, length));
        _uploadedList = list;
        _uploadedVersion = list.Version;
    }

    private void EnsureOutput(int owned)
    {
        const int s = LennardJonesCutKernel.OutputStride;
        if (_output is null || _output.Length < s * owned)
        {
            _output?.Dispose();
            var capacity = owned + owned / 8;
            _output = _backend!.Allocate1D<double>(s * capacity);
            _outputHost = new double[s * capacity];
        }
    }
}
