namespace Dataflow.Kernels.Md.Script;

/// <summary>LAMMPS' Park-Miller minimal standard generator (<c>RanPark</c>, src/random_park.cpp), reproduced operation
/// for operation so that a script's seed gives LAMMPS' velocities and type fractions bit for bit.</summary>
/// <remarks>Park and Miller, Commun. ACM 31, 1192 (1988), with Schrage's factorisation (IA 16807, IM 2^31 - 1,
/// IQ 127773, IR 2836). <see cref="Reset(int, double, double, double)"/> is LAMMPS' Jenkins one-at-a-time hash of the
/// seed's and the coordinates' bytes, each byte read as a signed <c>char</c> (x86), keeping 27 bits as LAMMPS does.</remarks>
public sealed class ParkMillerRandom
{
    private const int IA = 16807;
    private const int IM = 2147483647;
    private const double AM = 1.0 / IM;
    private const int IQ = 127773;
    private const int IR = 2836;

    private int _seed;
    private bool _save;
    private double _second;

    /// <summary>A generator with the given positive seed.</summary>
    public ParkMillerRandom(int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seed);
        _seed = seed;
    }

    /// <summary>The next uniform number in (0, 1).</summary>
    public double Uniform()
    {
        var k = _seed / IQ;
        _seed = IA * (_seed - k * IQ) - IR * k;
        if (_seed < 0)
        {
            _seed += IM;
        }
        return AM * _seed;
    }

    /// <summary>The next standard normal number (polar Box-Muller, pairs as LAMMPS keeps them).</summary>
    public double Gaussian()
    {
        if (_save)
        {
            _save = false;
            return _second;
        }
        double v1, v2, rsq;
        do
        {
            v1 = 2.0 * Uniform() - 1.0;
            v2 = 2.0 * Uniform() - 1.0;
            rsq = v1 * v1 + v2 * v2;
        }
        while (!(rsq < 1.0 && rsq != 0.0));
        var fac = Math.Sqrt(-2.0 * Math.Log(rsq) / rsq);
        _second = v1 * fac;
        _save = true;
        return v2 * fac;
    }

    /// <summary>Reseeds from a base seed and a position (LAMMPS <c>RanPark::reset(int, double*)</c>), then draws five
    /// numbers to warm up.</summary>
    public void Reset(int seedBase, double x, double y, double z)
    {
        var hash = 0u;
        Span<byte> bytes = stackalloc byte[4 + 24];
        BitConverter.TryWriteBytes(bytes, seedBase);
        BitConverter.TryWriteBytes(bytes[4..], x);
        BitConverter.TryWriteBytes(bytes[12..], y);
        BitConverter.TryWriteBytes(bytes[20..], z);
        foreach (var b in bytes)
        {
            // char is signed on x86: bytes >= 0x80 add a negative value.
            hash += unchecked((uint)(sbyte)b);
            hash += hash << 10;
            hash ^= hash >> 6;
        }
        hash += hash << 3;
        hash ^= hash >> 11;
        hash += hash << 15;
        // LAMMPS' comment says 31 bits; its mask keeps 27.
        _seed = (int)(hash & 0x7ffffff);
        if (_seed == 0)
        {
            _seed = 1;
        }
        for (var i = 0; i < 5; i++)
        {
            Uniform();
        }
        _save = false;
    }
}
