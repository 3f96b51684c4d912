using MessagePack;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>Whole atoms moving between domains (migration, ring passes) or to the driver (checkpoints, dumps):
/// ids, types, charges, positions, velocities and image flags, per-atom vectors interleaved xyz.</summary>
/// <param name="Charges">Charge per atom, or null for an uncharged system.</param>
/// <param name="Forces">The forces of the step the atoms were taken at (checkpoints; a restart resumes with them,
/// since a velocity-dependent force such as Langevin's cannot be recomputed from the saved velocities), or null.</param>
[MessagePackObject]
public sealed record AtomPacket(
    [property: Key(0)] int[] Ids,
    [property: Key(1)] int[] Types,
    [property: Key(2)] double[]? Charges,
    [property: Key(3)] double[] Positions,
    [property: Key(4)] double[] Velocities,
    [property: Key(5)] int[] Images,
    [property: Key(6)] double[]? Forces = null)
{
    /// <summary>An empty packet.</summary>
    public static AtomPacket Empty(bool charged) => new([], [], charged ? [] : null, [], [], []);

    /// <summary>Number of atoms.</summary>
    [IgnoreMember]
    public int Count => Ids.Length;

    /// <summary>A packet of the atoms at <paramref name="indices"/>, in that order, copied.</summary>
    public AtomPacket Select(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var n = indices.Count;
        var packet = new AtomPacket(new int[n], new int[n], Charges is null ? null : new double[n], new double[3 * n],
            new double[3 * n], new int[3 * n], Forces is null ? null : new double[3 * n]);
        for (var k = 0; k < n; k++)
        {
            var i = indices[k];
            packet.Ids[k] = Ids[i];
            packet.Types[k] = Types[i];
            if (packet.Charges is not null)
            {
                packet.Charges[k] = Charges![i];
            }
            for (var a = 0; a < 3; a++)
            {
                packet.Positions[3 * k + a] = Positions[3 * i + a];
                packet.Velocities[3 * k + a] = Velocities[3 * i + a];
                packet.Images[3 * k + a] = Images[3 * i + a];
                if (packet.Forces is not null)
                {
                    packet.Forces[3 * k + a] = Forces![3 * i + a];
                }
            }
        }
        return packet;
    }
}

/// <summary>Ghost atoms one domain sends another at a rebuild: global ids, periodic shift codes (see
/// <see cref="DomainState.ShiftCode"/>), types, charges and shifted positions; later steps send positions only, in
/// the same order.</summary>
[MessagePackObject]
public sealed record GhostPacket(
    [property: Key(0)] int[] Ids,
    [property: Key(1)] byte[] Shifts,
    [property: Key(2)] int[] Types,
    [property: Key(3)] double[]? Charges,
    [property: Key(4)] double[] Positions)
{
    /// <summary>Number of ghosts.</summary>
    [IgnoreMember]
    public int Count => Ids.Length;
}
