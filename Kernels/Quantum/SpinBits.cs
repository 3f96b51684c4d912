namespace Dataflow.Kernels.Quantum;

/// <summary>Bit tricks shared by the determinant types: spreading a spin string onto the even bits of a word and
/// gathering it back.</summary>
internal static class SpinBits
{
    /// <summary>Every even bit of a 64-bit word: the alpha spin orbitals 0, 2, 4, ...</summary>
    public const ulong EvenMask = 0x5555_5555_5555_5555UL;

    /// <summary>Gathers the even bits of <paramref name="interleaved"/> into the low 32 bits (bit 2p to bit p).</summary>
    public static ulong CompactEven(ulong interleaved)
    {
        // The even half of an inverse perfect shuffle, by halving shifts (Warren, Hacker's Delight, 2nd ed., section 7-2).
        var x = interleaved & EvenMask;
        x = (x | (x >> 1)) & 0x3333_3333_3333_3333UL;
        x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0FUL;
        x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FFUL;
        x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFFUL;
        x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFFUL;
        return x;
    }

    /// <summary>Spreads the low 32 bits of <paramref name="compact"/> onto the even bits (bit p to bit 2p).</summary>
    public static ulong SpreadEven(ulong compact)
    {
        var x = compact & 0x0000_0000_FFFF_FFFFUL;
        x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFFUL;
        x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FFUL;
        x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0FUL;
        x = (x | (x << 2)) & 0x3333_3333_3333_3333UL;
        x = (x | (x << 1)) & EvenMask;
        return x;
    }

    /// <summary>Bits strictly below <paramref name="bit"/> (0 to 64).</summary>
    public static ulong Below(int bit) => bit >= 64 ? ulong.MaxValue : (1UL << bit) - 1;
}
