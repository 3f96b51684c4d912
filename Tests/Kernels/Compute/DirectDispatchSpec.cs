using System.Runtime.InteropServices;
using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Compute.Kernels;
using ILGPU;
using Xunit;

namespace Dataflow.Tests.Kernels.Compute;

public sealed class DirectDispatchSpec
{
    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(1, 0, 1)]
    [InlineData(1000, 0, 1000)]            // below the 4096 floor: one chunk
    [InlineData(1_000_000, 0, 62_528)]     // 1e6 / (4 workers * 4) = 62500, rounded up to a multiple of 64
    [InlineData(40_000, 0, 4096)]          // 2500 per chunk is below the floor
    [InlineData(4096, 16, 256)]            // a heavy kernel lowers the floor: 4096 / 16
    [InlineData(100, 16, 64)]              // 7 rounds up to one 64-index line, then the floor of 16 no longer binds
    public void Chunk_length_is_extent_over_chunks_aligned_and_floored(int extent, int minChunk, int expected)
    {
        var options = new ComputeBackendOptions { MaxDegreeOfParallelism = 4 };
        Assert.Equal(expected, options.ChunkLengthFor(extent, minChunk));
    }

    [Fact]
    public void An_asked_group_size_compiles_its_own_kernel_and_gives_the_same_results()
    {
        using var emulator = ComputeBackend.Create(ComputeBackendKind.IlgpuCpu);
        using var x = emulator.FromArray(Enumerable.Range(0, 37).Select(i => (float)i).ToArray());
        var results = new List<float[]>();
        foreach (var group in new[] { 0, 1, 8, 8 })
        {
            using var y = emulator.Allocate1D<float>(37);
            emulator.Launch(SaxpyKernel.Apply, new LaunchExtent(37, GroupSize: group), 3f, x.View, y.View);
            results.Add(y.ToArray());
        }
        Assert.All(results, r => Assert.Equal(Enumerable.Range(0, 37).Select(i => 3f * i), r));
        // ILGPU's choice, 1 and 8 rounded up to whole warps of this accelerator: one kernel per distinct size.
        var warp = emulator.Accelerator.WarpSize;
        Assert.Equal(new[] { 0, 1, 8 }.Select(g => g == 0 ? 0 : (g + warp - 1) / warp * warp).Distinct().Count(), emulator.CompiledKernelCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => emulator.Launch(SaxpyKernel.Apply, new LaunchExtent(37, GroupSize: -1), 3f, x.View, x.View));
    }

    [Theory]
    [InlineData(ComputeBackendKind.Cpu)]
    [InlineData(ComputeBackendKind.IlgpuCpu)]
    public void Every_index_runs_exactly_once_when_the_extent_is_not_a_multiple_of_the_chunk(ComputeBackendKind kind)
    {
        const int extent = 10_007;
        var options = new ComputeBackendOptions { MaxDegreeOfParallelism = 3, MinChunkLength = 1000 };
        Assert.NotEqual(0, extent % options.ChunkLengthFor(extent));
        using var backend = ComputeBackend.Create(kind, options);
        using var counts = backend.Allocate1D<int>(extent + 5);
        backend.Launch(Count, extent, counts.View);
        backend.Launch(Count, new LaunchExtent(extent, MinChunkLength: 7), counts.View);
        var result = counts.ToArray();
        Assert.All(result[..extent], c => Assert.Equal(2, c));
        Assert.All(result[extent..], c => Assert.Equal(0, c));
    }

    [Theory]
    [InlineData(ComputeBackendKind.Cpu)]
    [InlineData(ComputeBackendKind.IlgpuCpu)]
    public void A_zero_extent_runs_nothing(ComputeBackendKind kind)
    {
        using var backend = ComputeBackend.Create(kind);
        using var empty = backend.Allocate1D<int>(0);
        using var counts = backend.Allocate1D<int>(8);
        backend.Launch(Count, 0, empty.View);
        backend.Launch(Count, 0, counts.View);
        Assert.Empty(empty.ToArray());
        Assert.Equal(new int[8], counts.ToArray());
        Assert.Equal(0, backend.CompiledKernelCount);
    }

    [Fact]
    public void A_kernel_with_six_arguments_gives_the_same_result_both_ways()
    {
        const int n = 5000;
        var input = Enumerable.Range(0, n).Select(i => (float)Math.Sin(i)).ToArray();
        var results = new List<float[]>();
        foreach (var kind in new[] { ComputeBackendKind.Cpu, ComputeBackendKind.IlgpuCpu })
        {
            using var backend = ComputeBackend.Create(kind, new ComputeBackendOptions { MinChunkLength = 64 });
            using var a = backend.FromArray(input);
            using var output = backend.Allocate1D<float>(n);
            using var tags = backend.Allocate1D<int>(n);
            backend.Launch(SixArguments, n, a.View, 2.5f, new Affine(0.5f, -1f), 3, output.View, tags.View);
            results.Add(output.ToArray());
            Assert.Equal(Enumerable.Range(0, n).Select(i => (i * 3) + 1), tags.ToArray());
        }
        FloatAssert.BitwiseEqual(results[0], results[1]);
        var expected = input.Select(v => (0.5f * (v * 2.5f)) + -1f).ToArray();
        FloatAssert.BitwiseEqual(expected, results[0]);
    }

    [Fact]
    public void Instance_methods_and_closures_are_rejected_before_anything_runs()
    {
        using var backend = ComputeBackend.Create(ComputeBackendKind.Cpu);
        using var counts = backend.Allocate1D<int>(4);
        var offset = 1;
        Action<Index1D, ArrayView<int>> closure = (i, c) => c[i] += offset;
        Assert.Throws<ArgumentException>(() => backend.Launch(closure, 4, counts.View));
        Assert.Throws<ArgumentException>(() => backend.Launch(new Counter().Count, 4, counts.View));
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Launch(Count, -1, counts.View));
        Assert.Equal(new int[4], counts.ToArray());
    }

    [Theory]
    [InlineData(ComputeBackendKind.Cpu)]
    [InlineData(ComputeBackendKind.IlgpuCpu)]
    public void Host_buffers_are_shared_with_kernels_without_copies(ComputeBackendKind kind)
    {
        using var backend = ComputeBackend.Create(kind);
        using var counts = backend.Allocate1D<int>(6);
        Assert.True(counts.IsHostMemory);
        counts.AsSpan()[2] = 40;
        backend.Launch(Count, 6, counts.View);
        backend.Synchronize();
        Assert.Equal(new[] { 1, 1, 41, 1, 1, 1 }, counts.AsSpan().ToArray());

        using var floats = backend.FromArray(new[] { 1f, 2f, 3f });
        var partial = new float[2];
        floats.CopyTo(partial);
        Assert.Equal(new[] { 1f, 2f }, partial);
        floats.CopyFrom(new[] { 9f });
        Assert.Equal(new[] { 9f, 2f, 3f }, backend.CopyToArray(floats));
        Assert.Throws<ArgumentOutOfRangeException>(() => floats.CopyFrom(new float[4]));
    }

    [Fact]
    public void ILGPU_compiles_each_kernel_once_per_backend_and_direct_dispatch_compiles_none()
    {
        using var emulator = ComputeBackend.Create(ComputeBackendKind.IlgpuCpu);
        using var direct = ComputeBackend.Create(ComputeBackendKind.Cpu);
        foreach (var backend in new[] { emulator, direct })
        {
            using var x = backend.FromArray(new[] { 1f, 2f });
            using var y = backend.Allocate1D<float>(2);
            for (var r = 0; r < 3; r++)
            {
                backend.Launch(SaxpyKernel.Apply, 2, 2f, x.View, y.View);
            }
            using var counts = backend.Allocate1D<int>(2);
            backend.Launch(Count, 2, counts.View);
            Assert.Equal(new[] { 6f, 12f }, y.ToArray());
        }
        Assert.Equal(2, emulator.CompiledKernelCount);
        Assert.Equal(0, direct.CompiledKernelCount);
    }

    [Theory]
    [InlineData(ComputeBackendKind.Cpu)]
    [InlineData(ComputeBackendKind.IlgpuCpu)]
    public void Launches_from_several_threads_each_complete(ComputeBackendKind kind)
    {
        using var backend = ComputeBackend.Create(kind, new ComputeBackendOptions { MinChunkLength = 256 });
        // One buffer per launch: two launches on one buffer from two threads at once would race on the kernel's
        // read-modify-write (the test, not the backend, would lose counts).
        var buffers = Enumerable.Range(0, 16).Select(_ => backend.Allocate1D<int>(3000)).ToArray();
        try
        {
            var threads = new ParallelOptions { MaxDegreeOfParallelism = 4 };
            Parallel.For(0, 16, threads, t =>
            {
                for (var repeat = 0; repeat < 4; repeat++)
                {
                    backend.Launch(Count, 3000, buffers[t].View);
                }
            });
            Assert.All(buffers, b => Assert.All(b.ToArray(), c => Assert.Equal(4, c)));
        }
        finally
        {
            foreach (var buffer in buffers)
            {
                buffer.Dispose();
            }
        }
    }

    private static void Count(Index1D index, ArrayView<int> counts) => counts[index] += 1;

    private static void SixArguments(
        Index1D index,
        ArrayView<float> input,
        float scale,
        Affine affine,
        int stride,
        ArrayView<float> output,
        ArrayView<int> tags)
    {
        output[index] = (affine.Slope * (input[index] * scale)) + affine.Intercept;
        tags[index] = (index.X * stride) + 1;
    }

    // Public: ILGPU's generated launchers cannot reach non-public argument types.
    [StructLayout(LayoutKind.Sequential)]
    public readonly record struct Affine(float Slope, float Intercept);

    private sealed class Counter
    {
        public void Count(Index1D index, ArrayView<int> counts) => counts[index] += 1;
    }
}
