using System.Security.Cryptography;

namespace Dataflow.Kernels.Md.Domains;

/// <summary>Whole-system operations on <see cref="AtomPacket"/>s: packing a system, merging domains' packets, and the
/// state hash that tells bitwise-equal trajectories.</summary>
public static class AtomPackets
{
    /// <summary>A copy of every atom of <paramref name="system"/>, in its order.</summary>
    public static AtomPacket FromSystem(MdSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return new AtomPacket((int[])system.Ids.Clone(), (int[])system.Types.Clone(),
            system.Charges is null ? null : (double[])system.Charges.Clone(), (double[])system.Positions.Clone(),
            (double[])system.Velocities.Clone(), (int[])system.Images.Clone());
    }

    /// <summary>Domain packets merged into one, in atom-id order; forces are kept only when every part has them.</summary>
    public static AtomPacket MergeById(IEnumerable<AtomPacket> parts, bool charged)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var all = parts.ToArray();
        var merged = new AtomPacket(all.SelectMany(p => p.Ids).ToArray(), all.SelectMany(p => p.Types).ToArray(),
            charged ? all.SelectMany(p => p.Charges!).ToArray() : null, all.SelectMany(p => p.Positions).ToArray(),
            all.SelectMany(p => p.Velocities).ToArray(), all.SelectMany(p => p.Images).ToArray(),
            all.All(p => p.Forces is not null) ? all.SelectMany(p => p.Forces!).ToArray() : null);
        return merged.Select(Enumerable.Range(0, merged.Count).OrderBy(i => merged.Ids[i]).ToList());
    }

    /// <summary>SHA-256 over ids, positions and velocities in id order: equal hashes, equal states bit for bit.</summary>
    public static string StateSha256(this AtomPacket atoms)
    {
        ArgumentNullException.ThrowIfNull(atoms);
        var order = Enumerable.Range(0, atoms.Count).OrderBy(i => atoms.Ids[i]).ToArray();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[8];
        foreach (var i in order)
        {
            BitConverter.TryWriteBytes(buffer, (long)atoms.Ids[i]);
            hash.AppendData(buffer);
            for (var a = 0; a < 3; a++)
            {
                BitConverter.TryWriteBytes(buffer, atoms.Positions[3 * i + a]);
                hash.AppendData(buffer);
                BitConverter.TryWriteBytes(buffer, atoms.Velocities[3 * i + a]);
                hash.AppendData(buffer);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
