using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.DeepPotential;
using Xunit;

namespace Dataflow.Tests.Kernels.Md.DeepPotential;

/// <summary>The committed training frames (Kernels/Md/Reference/dp-lj-binary) are what the engine makes today, bit
/// for bit, and their virial is -dE/d(strain), the convention the Deep Potential is trained on. With
/// DATAFLOW_UPDATE_DP_DATA=1 the first test rewrites the committed set instead.</summary>
public sealed class LjReferenceFramesSpec
{
    public static string Committed => Path.Combine(MdReferenceData.Directory, "dp-lj-binary");

    [Fact]
    public void The_committed_frames_are_the_engines_frames_bit_for_bit()
    {
        var generated = LjReferenceFrames.Generate();
        if (Environment.GetEnvironmentVariable("DATAFLOW_UPDATE_DP_DATA") == "1")
        {
            var source = SourceFolder();
            LjReferenceFrames.Write(source);
        }
        var train = DeepmdSystem.Read(Path.Combine(Committed, "train"));
        var holdout = DeepmdSystem.Read(Path.Combine(Committed, "holdout"));
        var committed = train.Frames.Concat(holdout.Frames).ToArray();
        Assert.Equal(generated.Frames.Count, committed.Length);
        Assert.Equal(generated.Types, train.Types);
        for (var f = 0; f < committed.Length; f++)
        {
            Assert.Equal(generated.Frames[f].Frame.Positions, committed[f].Frame.Positions);
            Assert.Equal(generated.Frames[f].Energy, committed[f].Energy);
            Assert.Equal(generated.Frames[f].Forces, committed[f].Forces);
            Assert.Equal(generated.Frames[f].Virial, committed[f].Virial);
        }
    }

    [Fact]
    public void The_labels_virial_is_minus_the_strain_derivative_of_the_energy()
    {
        var frame = DeepmdSystem.Read(Path.Combine(Committed, "holdout")).Frames[0];
        var types = Enumerable.Range(0, 32).Select(i => 1 + i % 2).ToArray();
        var edge = frame.Frame.Box![0];
        const double h = 1e-6;
        // Diagonal strain of a cubic box keeps it orthogonal: x -> (1 + h) x along one axis.
        for (var a = 0; a < 3; a++)
        {
            double Energy(double amount)
            {
                var positions = frame.Frame.Positions.Select((x, i) => i % 3 == a ? x * (1 + amount) : x).ToArray();
                var system = new MdSystem(OrthogonalBox.FromLengths(
                    a == 0 ? edge * (1 + amount) : edge, a == 1 ? edge * (1 + amount) : edge, a == 2 ? edge * (1 + amount) : edge),
                    2, Enumerable.Range(1, 32).ToArray(), types, positions, masses: [39.948, 83.798]);
                using var pair = LjReferenceFrames.PairStyle();
                var simulation = new MdSimulation(new MdState(system, UnitSystem.Metal), [pair], new VelocityVerlet(), threads: 1);
                simulation.Run(0);
                return simulation.Forces.Energy;
            }
            var fd = -(Energy(h) - Energy(-h)) / (2 * h);
            Assert.Equal(fd, frame.Virial![4 * a], 1e-6 * Math.Abs(fd) + 1e-9);
        }
        // Forces are -dE/dx: one component by central differences.
        var label = LjReferenceFrames.Label(frame.Frame.Positions, types, edge);
        Assert.Equal(frame.Energy, label.Energy);
    }

    private static string SourceFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dataflow.sln")))
        {
            dir = dir.Parent;
        }
        return Path.Combine(dir!.FullName, "Kernels", "Md", "Reference", "dp-lj-binary");
    }
}
