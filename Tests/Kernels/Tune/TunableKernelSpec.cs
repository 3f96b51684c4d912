using Dataflow.Kernels.Compute;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Tune;
using Dataflow.Tests.Kernels.Compute;
using Xunit;

namespace Dataflow.Tests.Kernels.Tune;

public sealed class TunableKernelSpec
{
    private const int Threads = 2;

    // Shapes below the vector width, odd sizes that leave tails in every tile and register block, and one that fills them.
    public static TheoryData<int> Seeds => [1, 2, 3, 4];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_dense_schedule_gives_the_reference_bits(int seed)
    {
        var rng = new Random(seed);
        var (m, n, k) = (1 + rng.Next(40), 1 + rng.Next(70), 1 + rng.Next(90));
        var task = new TuneTask("t", TuneOperator.Dense, [m, n, k], ["dense"]);
        using var instance = new TuneTaskInstance(task, seed);
        var expected = ReferenceKernels.Dense(instance.InputA, instance.InputB, m, n, k).Select(v => (double)v).ToArray();
        var fused = ReferenceKernels.Dense(instance.InputA, instance.InputB, m, n, k, fused: true).Select(v => (double)v).ToArray();
        AllSchedulesBitwise(instance, expected, rng, fused);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_conv2d_schedule_gives_the_reference_bits(int seed)
    {
        var rng = new Random(seed);
        var r = 1 + 2 * rng.Next(2);
        var shape = new[] { 1 + rng.Next(2), 1 + rng.Next(5), 5 + rng.Next(9), 5 + rng.Next(9), 1 + rng.Next(9), r, r, 1 + rng.Next(2), rng.Next(2) };
        var task = new TuneTask("t", TuneOperator.Conv2d, shape, ["conv2d"]);
        using var instance = new TuneTaskInstance(task, seed);
        var expected = ReferenceKernels.Conv2d(task.Conv, instance.InputA, instance.InputB).Select(v => (double)v).ToArray();
        var fused = ReferenceKernels.Conv2d(task.Conv, instance.InputA, instance.InputB, fused: true).Select(v => (double)v).ToArray();
        AllSchedulesBitwise(instance, expected, rng, fused);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_depthwise_schedule_gives_the_reference_bits(int seed)
    {
        var rng = new Random(seed);
        var r = 3 + 2 * rng.Next(2);
        var shape = new[] { 1 + rng.Next(2), 1 + rng.Next(6), 6 + rng.Next(20), 6 + rng.Next(20), r, r, 1 + rng.Next(2), r / 2 };
        var task = new TuneTask("t", TuneOperator.DepthwiseConv2d, shape, ["depthwise_conv2d"]);
        using var instance = new TuneTaskInstance(task, seed);
        var expected = ReferenceKernels.DepthwiseConv2d(task.Conv, instance.InputA, instance.InputB).Select(v => (double)v).ToArray();
        AllSchedulesBitwise(instance, expected, rng);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_softmax_schedule_agrees_with_the_reference_to_1e6(int seed)
    {
        var rng = new Random(seed);
        var (rows, cols) = (1 + rng.Next(30), 1 + rng.Next(200));
        var task = new TuneTask("t", TuneOperator.Softmax, [rows, cols], ["softmax"]);
        using var instance = new TuneTaskInstance(task, seed);
        var expected = ReferenceKernels.Softmax(rows, cols, instance.InputA);
        foreach (var s in Schedules(instance.Task.Operator))
        {
            var got = instance.RunAndCopy(s);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(got[i] - expected[i]) <= 1e-6 * Math.Abs(expected[i]), $"{s}: element {i} is {got[i]}, reference {expected[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_reduction_schedule_agrees_with_the_reference_to_1e6(int seed)
    {
        var rng = new Random(seed);
        var (rows, cols) = (1 + rng.Next(30), 1 + rng.Next(300));
        var task = new TuneTask("t", TuneOperator.Reduction, [rows, cols], ["reduction"]);
        using var instance = new TuneTaskInstance(task, seed);
        var expected = ReferenceKernels.RowSums(rows, cols, instance.InputA);
        var magnitude = Enumerable.Range(0, rows).Select(r => instance.InputA.Skip(r * cols).Take(cols).Sum(v => Math.Abs((double)v))).ToArray();
        foreach (var s in Schedules(instance.Task.Operator))
        {
            var got = instance.RunAndCopy(s);
            for (var i = 0; i < rows; i++)
            {
                Assert.True(Math.Abs(got[i] - expected[i]) <= 1e-6 * magnitude[i], $"{s}: row {i} sums to {got[i]}, reference {expected[i]}");
            }
        }
    }

    [Fact]
    public void Every_lennard_jones_schedule_gives_the_same_bits_as_an_independent_pair_loop()
    {
        using var instance = new TuneTaskInstance(new TuneTask("t", TuneOperator.LennardJonesPair, [256, 25], ["lj_pair"]), 3);
        var lj = instance.LennardJones!;
        var expected = PairLoop(lj);
        // Forces are not all zero: the jitter breaks the lattice's symmetry.
        Assert.True(expected.Max(Math.Abs) > 1e-3);
        foreach (var s in Schedules(TuneOperator.LennardJonesPair))
        {
            var got = instance.RunAndCopy(s);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(got[i]),
                    $"{s}: output {i} is {got[i]:R}, the pair loop's {expected[i]:R}");
            }
        }
    }

    [Fact]
    public void On_an_ilgpu_accelerator_every_lennard_jones_group_size_gives_the_pair_loops_bits()
    {
        // The CUDA path's launch (explicit group sizes) on ILGPU's CPU accelerator: 108 atoms, as the emulator is slow.
        using var lj = new TunedLennardJones(3, 2.5, 5, ComputeBackendKind.IlgpuCpu);
        var expected = PairLoop(lj);
        Assert.True(expected.Max(Math.Abs) > 1e-3);
        foreach (var group in new[] { 1, 4, 16, 64, 1024 })
        {
            var got = lj.Run(new TuneSchedule(Chunk: group)).ToArray();
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(got[i]),
                    $"group {group}: output {i} is {got[i]:R}, the pair loop's {expected[i]:R}");
            }
        }
    }

    [CudaFact]
    public void On_a_CUDA_device_every_lennard_jones_group_size_agrees_with_the_pair_loop_to_1e_12()
    {
        using var lj = new TunedLennardJones(8, 2.5, 5, ComputeBackendKind.Cuda);
        var expected = PairLoop(lj);
        var scale = expected.Max(Math.Abs);
        foreach (var group in new[] { 32, 64, 128, 256, 512, 1024, 2048 })
        {
            var got = lj.Run(new TuneSchedule(Chunk: group)).ToArray();
            for (var i = 0; i < expected.Length; i++)
            {
                // The device may contract multiply-adds: the same sums to rounding.
                Assert.True(Math.Abs(got[i] - expected[i]) <= 1e-12 * scale, $"group {group}: output {i} is {got[i]:R}, the pair loop's {expected[i]:R}");
            }
        }
    }

    [Fact]
    public void A_schedule_key_round_trips_and_a_bad_key_names_its_fault()
    {
        var s = new TuneSchedule(8, 64, 128, 4, 2, 1, 16, 2);
        Assert.Equal("t8x64x128-u4-v2-o1-c16-p2", s.Key);
        Assert.Equal(s, TuneSchedule.Parse(s.Key));
        var error = Assert.Throws<FormatException>(() => TuneSchedule.Parse("t8x64x128-u4-vX-o1-c16-p2"));
        Assert.Contains("vector", error.Message);
    }

    // Fused schedules (vector 3 and 4 of the matrix product) against the fused reference.
    private static void AllSchedulesBitwise(TuneTaskInstance instance, double[] separate, Random rng, double[]? fused = null)
    {
        foreach (var s in Schedules(instance.Task.Operator).Concat(Enumerable.Range(0, 40).Select(_ => ScheduleSpace.For(instance.Task.Operator, Threads).Sample(rng))))
        {
            var got = instance.RunAndCopy(s);
            var expected = s.Vector >= 3 && fused is not null ? fused : separate;
            Assert.Equal(expected.Length, got.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(got[i]),
                    $"{instance.Task.Key} {s}: element {i} is {got[i]:R}, reference {expected[i]:R}");
            }
        }
    }

    // Every value of every knob at least once: each knob's values in turn on the default schedule, then random ones.
    private static IEnumerable<TuneSchedule> Schedules(TuneOperator op)
    {
        var space = ScheduleSpace.For(op, Threads);
        yield return space.Default;
        var d = space.Default.Knobs;
        for (var knob = 0; knob < d.Length; knob++)
        {
            foreach (var v in space.Values[knob])
            {
                var k = (int[])d.Clone();
                k[knob] = v;
                yield return new TuneSchedule(k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]);
            }
        }
        var rng = new Random(7);
        for (var i = 0; i < 20; i++)
        {
            yield return space.Sample(rng);
        }
    }

    // lj/cut over the full list written out again, in the kernel's operation order (LAMMPS pair_lj_cut.cpp).
    private static double[] PairLoop(TunedLennardJones lj)
    {
        var x = lj.PositionsAndTypes;
        var list = lj.PackedNeighbors;
        var t = lj.PairTable;
        var p = lj.Parameters;
        var output = new double[LennardJonesCutKernel.OutputStride * p.AtomCount];
        for (var i = 0; i < p.AtomCount; i++)
        {
            double fx = 0, fy = 0, fz = 0, e = 0, vxx = 0, vyy = 0, vzz = 0, vxy = 0, vxz = 0, vyz = 0;
            for (var k = list[i]; k < list[i + 1]; k++)
            {
                var j = NeighborList.AtomOf(list[k]);
                var dx = x[4 * i] - (x[4 * j] + NeighborList.ShiftOf(list[k], 0) * p.BoxX);
                var dy = x[4 * i + 1] - (x[4 * j + 1] + NeighborList.ShiftOf(list[k], 1) * p.BoxY);
                var dz = x[4 * i + 2] - (x[4 * j + 2] + NeighborList.ShiftOf(list[k], 2) * p.BoxZ);
                var rsq = dx * dx + dy * dy + dz * dz;
                if (rsq < t[0])
                {
                    var r2inv = 1.0 / rsq;
                    var r6inv = r2inv * r2inv * r2inv;
                    var fpair = r6inv * (t[1] * r6inv - t[2]) * r2inv;
                    fx += dx * fpair;
                    fy += dy * fpair;
                    fz += dz * fpair;
                    e += 0.5 * (r6inv * (t[3] * r6inv - t[4]) - t[5]);
                    var half = 0.5 * fpair;
                    vxx += half * dx * dx;
                    vyy += half * dy * dy;
                    vzz += half * dz * dz;
                    vxy += half * dx * dy;
                    vxz += half * dx * dz;
                    vyz += half * dy * dz;
                }
            }
            double[] row = [fx, fy, fz, e, vxx, vyy, vzz, vxy, vxz, vyz];
            row.CopyTo(output, LennardJonesCutKernel.OutputStride * i);
        }
        return output;
    }
}
