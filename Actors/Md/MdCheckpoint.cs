using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Md;
using Dataflow.Kernels.Md.Domains;
using MessagePack;

namespace Dataflow.Actors.Md;

/// <summary>An md job's checkpoint: every atom at the end of a rebuild step, and the thermo output so far.</summary>
/// <param name="Step">The step (a multiple of the rebuild interval, or 0).</param>
/// <param name="Atoms">All atoms in id order, positions wrapped at that step's rebuild.</param>
/// <param name="Thermo">Thermo lines up to the step.</param>
public sealed record MdCheckpoint(long Step, AtomPacket Atoms, ThermoSample[] Thermo)
{
    /// <summary>MessagePack bytes.</summary>
    public byte[] ToBytes() => MessagePackSerializer.Serialize(this, Workload.PayloadOptions);

    /// <summary>From <see cref="ToBytes"/>.</summary>
    public static MdCheckpoint FromBytes(byte[] bytes) =>
        MessagePackSerializer.Deserialize<MdCheckpoint>(bytes, Workload.PayloadOptions);
}
