using System.Globalization;
using Dataflow.Kernels.Md;
using Xunit;

namespace Dataflow.Tests.Kernels.Md;

public sealed class TrajectoryWriterSpec
{
    [Fact]
    public void Dump_frames_have_LAMMPS_items_and_exact_coordinates()
    {
        var state = new MdState(MdTestSystems.Reference("binary-metal.data"), UnitSystem.Metal) { Step = 40 };
        var text = new StringWriter { NewLine = "\n" };
        using (var dump = new LammpsDumpWriter(text))
        {
            dump.Write(state);
            state.Step = 50;
            dump.Write(state);
        }
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var frame = 9 + state.AtomCount;
        Assert.Equal(2 * frame, lines.Length);
        Assert.Equal(["ITEM: TIMESTEP", "40", "ITEM: NUMBER OF ATOMS", "256", "ITEM: BOX BOUNDS pp pp pp", "0 21.04", "0 21.04", "0 21.04", "ITEM: ATOMS id type x y z"], lines[..9]);
        Assert.Equal("50", lines[frame + 1]);
        for (var i = 0; i < state.AtomCount; i++)
        {
            var t = lines[9 + i].Split(' ');
            Assert.Equal(state.Ids[i], int.Parse(t[0], CultureInfo.InvariantCulture));
            Assert.Equal(state.Types[i], int.Parse(t[1], CultureInfo.InvariantCulture));
            for (var d = 0; d < 3; d++)
            {
                Assert.Equal(state.Positions[3 * i + d], double.Parse(t[2 + d], CultureInfo.InvariantCulture));
            }
        }
    }

    [Fact]
    public void Extended_xyz_frames_carry_the_cell_and_species()
    {
        var state = new MdState(MdTestSystems.Reference("binary-metal.data"), UnitSystem.Metal);
        var text = new StringWriter { NewLine = "\n" };
        using (var xyz = new ExtendedXyzWriter(text, ["Ar", "Kr"]))
        {
            xyz.Write(state);
        }
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2 + 256, lines.Length);
        Assert.Equal("256", lines[0]);
        Assert.Contains("Lattice=\"21.04 0 0 0 21.04 0 0 0 21.04\"", lines[1]);
        Assert.Contains("Properties=species:S:1:pos:R:3:id:I:1:type:I:1", lines[1]);
        Assert.Contains("pbc=\"T T T\"", lines[1]);
        Assert.Equal(state.Types.Count(t => t == 2), lines.Skip(2).Count(l => l.StartsWith("Kr ", StringComparison.Ordinal)));
        Assert.StartsWith(state.Types[0] == 1 ? "Ar 0 0 0 1 1" : "Kr 0 0 0 1 2", lines[2]);
    }

    [Fact]
    public void A_simulation_dumps_every_N_steps_including_the_first()
    {
        var state = new MdState(MdTestSystems.Random(30, 6.0, 1, 0.9, seed: 1), UnitSystem.Lj);
        var text = new StringWriter { NewLine = "\n" };
        using var dump = new LammpsDumpWriter(text);
        using var pair = LennardJonesCut.SingleType(1, 1, 2.5, options: new PairComputeOptions { Threads = 1 });
        var simulation = new MdSimulation(state, [pair], new VelocityVerlet()) { Trajectory = dump, TrajectoryEvery = 4 };
        simulation.Run(10);
        var lines = text.ToString().Split('\n');
        var steps = lines.Select((l, k) => (l, k)).Where(p => p.l == "ITEM: TIMESTEP").Select(p => lines[p.k + 1]);
        Assert.Equal(["0", "4", "8"], steps);
    }
}
