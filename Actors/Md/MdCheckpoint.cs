using Dataflow.Actors.Runtime.Serialization;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Domains;
using MessagePack;

namespace Dataflow.Actors.Md;

/// <summary>An md job's checkpoint: every atom at the end of a rebuild step, and the thermo output so far.</summary>
/// <param name="Step">The step (a multiple of the rebuild interval, or 0).</param>
/// <param name="Atoms">All atoms in id order, positions wrapped at that step's rebuild.</param>
/// <param name="Thermo">Thermo lines up to the step.</param>
/// <param name="Thermostat">The Nose-Hoover chain's state after the step (<see cref="NoseHooverChain.SaveState"/>), or
/// null without one. Absent from checkpoints written before thermostats ran on the domains: they read as null.</param>
[MessagePackObject]
public sealed record MdCheckpoint(
    [property: Key(0)] long Step,
    [property: Key(1)] AtomPacket Atoms,
    [property: Key(2)] ThermoSample[] Thermo,
    [property: Key(3)] double[]? Thermostat = null)
{
    /// <summary>The workload whose checkpoints these are (the envelope's kind).</summary>
    public const string Kind = "md";

    /// <summary>The format this build writes and reads: 2, the body sealed with its SHA-256; format 1 was the same body
    /// unsealed, format 0 the unversioned map keyed by property name.</summary>
    public const int FormatVersion = 2;

    private static readonly string[] s_unversionedKeys = ["Step", "Atoms", "Thermo"];

    /// <summary>MessagePack bytes in a <see cref="CheckpointEnvelope"/> of kind <see cref="Kind"/>, format
    /// <see cref="FormatVersion"/>.</summary>
    public byte[] ToBytes() => CheckpointEnvelope.Write(Kind, FormatVersion, this);

    /// <summary>From <see cref="ToBytes"/>; throws <see cref="InvalidDataException"/> on bytes of another kind or
    /// format version, or no checkpoint at all, naming what it found.</summary>
    public static MdCheckpoint FromBytes(byte[] bytes) =>
        CheckpointEnvelope.Read<MdCheckpoint>(bytes, Kind, FormatVersion, s_unversionedKeys);
}
