using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Md.DeepPotential;
using System.Text.Json.Serialization;
using MessagePack;

namespace Dataflow.Actors.DpTrain;

/// <summary>One deepmd-kit system shipped with a job: types and the labelled frames as contiguous arrays.</summary>
/// <param name="Boxes">Box rows per frame [frames, 9]; empty for an open system.</param>
/// <param name="Virials">Virial per frame [frames, 9]; empty when the system has none.</param>
[MessagePackObject]
public sealed record DpSystemData(
    [property: Key(0)] string Name,
    [property: Key(1)] string[] TypeMap,
    [property: Key(2)] int[] Types,
    [property: Key(3)] double[] Positions,
    [property: Key(4)] double[] Boxes,
    [property: Key(5)] double[] Energies,
    [property: Key(6)] double[] Forces,
    [property: Key(7)] double[] Virials)
{
    /// <summary>Frames held.</summary>
    [IgnoreMember]
    [JsonIgnore]
    public int FrameCount => Energies.Length;

    /// <summary>The arrays of <paramref name="system"/>.</summary>
    public static DpSystemData From(DeepmdSystem system) => new(
        system.Name, system.TypeMap, system.Types,
        system.Frames.SelectMany(f => f.Frame.Positions).ToArray(),
        system.Frames.All(f => f.Frame.Box is not null) ? system.Frames.SelectMany(f => f.Frame.Box!).ToArray() : [],
        system.Frames.Select(f => f.Energy).ToArray(),
        system.Frames.SelectMany(f => f.Forces).ToArray(),
        system.HasVirial ? system.Frames.SelectMany(f => f.Virial!).ToArray() : []);

    /// <summary>The system again.</summary>
    public DeepmdSystem ToSystem()
    {
        var n = Types.Length;
        var frames = Enumerable.Range(0, FrameCount).Select(f => new DpLabelledFrame(
            new DpFrame(Positions.AsSpan(3 * n * f, 3 * n).ToArray(), Boxes.Length == 0 ? null : Boxes.AsSpan(9 * f, 9).ToArray()),
            Energies[f], Forces.AsSpan(3 * n * f, 3 * n).ToArray(), Virials.Length == 0 ? null : Virials.AsSpan(9 * f, 9).ToArray())).ToArray();
        return new DeepmdSystem(Name, TypeMap, Types, frames);
    }

    /// <summary>Throws <see cref="ArgumentException"/> when the arrays do not fit together.</summary>
    public void Validate()
    {
        var n = Types.Length;
        var f = Energies.Length;
        if (n == 0 || f == 0 || Positions.Length != 3 * n * f || Forces.Length != 3 * n * f
            || (Boxes.Length != 0 && Boxes.Length != 9 * f) || (Virials.Length != 0 && Virials.Length != 9 * f)
            || Types.Any(t => t < 0 || t >= TypeMap.Length))
        {
            throw new ArgumentException($"system {Name}: arrays do not match {n} atoms and {f} frames", nameof(Types));
        }
    }
}

/// <summary>The <c>dp-train</c> job: settings, the training systems and the held-out systems tested at the end.</summary>
[MessagePackObject]
public sealed record DpTrainJobSpec(
    [property: Key(0)] DpTrainSettings Settings,
    [property: Key(1)] DpSystemData[] Training,
    [property: Key(2)] DpSystemData[] Holdout)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        Settings.Validate();
        if (Training is not { Length: > 0 })
        {
            throw new ArgumentException("training: at least one data system is needed", nameof(Training));
        }
        foreach (var system in Training.Concat(Holdout ?? []))
        {
            system.Validate();
            foreach (var element in system.TypeMap.Where((_, t) => system.Types.Contains(t)))
            {
                if (!Settings.Model.TypeMap.Contains(element))
                {
                    throw new ArgumentException($"system {system.Name}: element {element} is not in the type map {string.Join(" ", Settings.Model.TypeMap)}", nameof(Training));
                }
            }
        }
    }
}

/// <summary>Driver to a node's stage: the gradients of these logical workers at step <paramref name="Step"/> with these
/// parameters.</summary>
[MessagePackObject]
public sealed record DpTrainWork(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Step,
    [property: Key(3)] double[] Parameters,
    [property: Key(4)] int[] Workers) : IStageMessage;

/// <summary>Stage to driver: the gradients and loss shares of a <see cref="DpTrainWork"/>'s workers, in its order.</summary>
[MessagePackObject]
public sealed record DpTrainGradients(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Step,
    [property: Key(3)] int[] Workers,
    [property: Key(4)] double[][] Gradients,
    [property: Key(5)] double[] Losses) : IDataflowMessage;

/// <summary>Stage to driver: computing a <see cref="DpTrainWork"/> failed.</summary>
[MessagePackObject]
public sealed record DpTrainStageFailed(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long Step,
    [property: Key(3)] string Error) : IDataflowMessage;

/// <summary>The dp-train checkpoint: steps done, parameters and Adam's moments.</summary>
[MessagePackObject]
public sealed record DpTrainCheckpoint(
    [property: Key(0)] long Step,
    [property: Key(1)] double[] Parameters,
    [property: Key(2)] double[] M,
    [property: Key(3)] double[] V,
    [property: Key(4)] double Loss);
