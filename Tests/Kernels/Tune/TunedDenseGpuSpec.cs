using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Tune;
using Dataflow.Tests.Kernels.Compute;
using ILGPU.Runtime.Cuda;
using Xunit;

namespace Dataflow.Tests.Kernels.Tune;

/// <summary>The GPU variant of the tunable matrix product: valid ILGPU kernels (run on ILGPU's CPU accelerator and
/// by direct dispatch, bitwise against the unfused reference), compiled to PTX, and on a CUDA device when there is one.</summary>
public sealed class TunedDenseGpuSpec
{
    // Odd sizes: partial row blocks of 2 and 4 rows.
    public static TheoryData<int, int, int, int> Cases => new()
    {
        { 1, 1, 7, 1 }, { 5, 3, 9, 2 }, { 7, 13, 5, 4 }, { 9, 16, 33, 4 }, { 6, 10, 1, 2 }, { 3, 2, 17, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_rows_per_thread_gives_the_unfused_reference_bits_on_the_ilgpu_cpu_accelerator_and_direct_dispatch(int m, int n, int k, int seed)
    {
        var (a, b) = (Random(m * k, seed), Random(k * n, seed + 100));
        var reference = ReferenceKernels.Dense(a, b, m, n, k);
        foreach (var kind in new[] { ComputeBackendKind.IlgpuCpu, ComputeBackendKind.Cpu })
        {
            using var backend = ComputeBackend.Create(kind);
            foreach (var unroll in new[] { 1, 2, 4 })
            {
                var c = Multiply(backend, new TuneSchedule(Unroll: unroll), a, b, m, n, k);
                Assert.True(reference.SequenceEqual(c), $"{kind}, {unroll} rows per thread, {m}x{n}x{k}");
            }
        }
    }

    [Fact]
    public void Compiles_to_PTX_for_a_CUDA_device()
    {
        foreach (var (kernel, name) in new (Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, DenseGpuShape>, string)[]
                 { (TunedDenseGpu.Rows1, "Rows1"), (TunedDenseGpu.Rows2, "Rows2"), (TunedDenseGpu.Rows4, "Rows4") })
        {
            var ptx = PtxKernelCompiler.Compile(kernel, CudaArchitecture.SM_80);
            Assert.Contains(".target sm_80", ptx);
            Assert.Contains($".entry Kernel_{name}", ptx);
        }
    }

    [CudaFact]
    public void On_a_CUDA_device_every_rows_per_thread_agrees_with_the_reference_to_1e5()
    {
        using var backend = ComputeBackend.Create(ComputeBackendKind.Cuda);
        var (m, n, k) = (67, 129, 250);
        var (a, b) = (Random(m * k, 1), Random(k * n, 2));
        var reference = ReferenceKernels.Dense(a, b, m, n, k);
        foreach (var unroll in new[] { 1, 2, 4 })
        {
            var c = Multiply(backend, new TuneSchedule(Unroll: unroll), a, b, m, n, k);
            for (var i = 0; i < c.Length; i++)
            {
                Assert.True(Math.Abs(c[i] - reference[i]) <= 1e-5 * k, $"{unroll} rows per thread, element {i}: {c[i]} vs {reference[i]}");
            }
        }
    }

    private static float[] Multiply(ComputeBackend backend, TuneSchedule s, float[] a, float[] b, int m, int n, int k)
    {
        using var ab = backend.FromArray(a);
        using var bb = backend.FromArray(b);
        using var cb = backend.Allocate1D<float>(m * n);
        TunedDenseGpu.Run(backend, s, ab, bb, cb, new DenseGpuShape(m, n, k));
        return backend.CopyToArray(cb);
    }

    private static float[] Random(int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(2 * rng.NextDouble() - 1)).ToArray();
    }
}
