using Dataflow.Kernels.Md.LongRange;

namespace Dataflow.Kernels.Md.Coulomb;

/// <summary>The reciprocal-space part of long-range electrostatics as a force provider: LAMMPS'
/// <c>kspace_style ewald</c> or <c>kspace_style pppm</c>, wrapping <see cref="EwaldSummation"/> or
/// <see cref="Pppm"/>.</summary>
/// <remarks>
/// <para>Adds the reciprocal sum plus the self term -g/sqrt(pi) sum q_i^2 and the neutralising-background term
/// -pi Q^2 / (2 g^2 V) (LAMMPS kspace docs, docs.lammps.org/kspace_style.html; Frenkel &amp; Smit eq. 12.1.25),
/// times qqr2e of the state's unit style. The real-space erfc pairs belong to the pair style
/// (<see cref="LennardJonesCutCoulombLong"/>) built with the same <see cref="GEwald"/> and
/// <see cref="CoulombCutoff"/>; the sum of the two providers is the full Coulomb interaction.</para>
/// <para>Per-atom energy is added when requested; per-atom virial is not (a reciprocal-space sum has no unique
/// split; LAMMPS computes one only on request with extra work) and the per-atom virial array is left alone.</para>
/// <para>Positions are taken relative to the box's lower corner, as LAMMPS maps atoms onto the mesh
/// (<c>(x - boxlo) * delxinv</c>), so PPPM results do not depend on where the box sits. Parameters are fixed at
/// construction; a box change re-computes the PPPM influence function but keeps g_ewald and the mesh.</para>
/// </remarks>
public sealed class KSpaceForceProvider : IForceProvider
{
    private readonly EwaldSummation? _ewald;
    private readonly Pppm? _pppm;
    private double[] _shifted = [];

    /// <summary>An Ewald sum with the given splitting parameter, cutoff and k range.</summary>
    public KSpaceForceProvider(EwaldParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _ewald = new EwaldSummation(parameters);
        Style = KSpaceStyle.Ewald;
        GEwald = parameters.GEwald;
        CoulombCutoff = parameters.Cutoff;
        EwaldParameters = parameters;
    }

    /// <summary>A PPPM solver with the given splitting parameter, cutoff, mesh and order.</summary>
    public KSpaceForceProvider(PppmParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _pppm = new Pppm(parameters);
        Style = KSpaceStyle.Pppm;
        GEwald = parameters.GEwald;
        CoulombCutoff = parameters.Cutoff;
        PppmParameters = parameters;
    }

    /// <summary>Ewald or PPPM.</summary>
    public KSpaceStyle Style { get; }

    /// <summary>Splitting parameter g_ewald, inverse distance units: the pair style must use the same.</summary>
    public double GEwald { get; }

    /// <summary>Real-space Coulomb cutoff the parameters were chosen for, distance units.</summary>
    public double CoulombCutoff { get; }

    /// <summary>The Ewald parameters, or null for PPPM.</summary>
    public EwaldParameters? EwaldParameters { get; }

    /// <summary>The PPPM parameters, or null for Ewald.</summary>
    public PppmParameters? PppmParameters { get; }

    /// <inheritdoc/>
    public string Name => Style == KSpaceStyle.Ewald ? "ewald" : "pppm";

    /// <inheritdoc/>
    public NeighborRequest? Neighbors => null;

    /// <summary>LAMMPS' <c>kspace_style ewald|pppm accuracy</c>: chooses g_ewald and the k range or mesh for
    /// <paramref name="state"/>'s charges, box and units as LAMMPS' <c>init()</c> does.</summary>
    /// <param name="style">Ewald or PPPM.</param>
    /// <param name="state">Charges, box and units; must carry charges.</param>
    /// <param name="relativeAccuracy">Relative RMS force error, e.g. 1e-5 (LAMMPS' <c>accuracy</c>).</param>
    /// <param name="coulombCutoffDistance">Real-space Coulomb cutoff of the pair style, distance units.</param>
    /// <param name="order">PPPM assignment order (<c>kspace_modify order</c>); ignored by Ewald.</param>
    /// <param name="stopAsLammps">PPPM: g_ewald where LAMMPS' Newton iteration stops (see <see cref="LongRange.PppmParameters.ForAccuracy"/>).</param>
    /// <param name="gEwald">A fixed g_ewald (<c>kspace_modify gewald</c>), or null to derive it from the accuracy.</param>
    public static KSpaceForceProvider ForAccuracy(
        KSpaceStyle style, MdState state, double relativeAccuracy, double coulombCutoffDistance,
        int order = LongRange.PppmParameters.DefaultOrder, bool stopAsLammps = false, double? gEwald = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var system = ToCoulombSystem(state, null);
        return style switch
        {
            KSpaceStyle.Ewald => new KSpaceForceProvider(LongRange.EwaldParameters.ForAccuracy(system, relativeAccuracy, coulombCutoffDistance, gEwald)),
            KSpaceStyle.Pppm => new KSpaceForceProvider(
                LongRange.PppmParameters.ForAccuracy(system, relativeAccuracy, coulombCutoffDistance, order, stopAsLammps, gEwald)),
            _ => throw new ArgumentOutOfRangeException(nameof(style)),
        };
    }

    /// <inheritdoc/>
    public void Compute(MdState state, NeighborList? list, ForceResult result)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(result);
        if (result.AtomCount != state.AtomCount)
        {
            throw new ArgumentException($"the result covers {result.AtomCount} atoms, the state {state.AtomCount}", nameof(result));
        }
        if (_shifted.Length != 3 * state.AtomCount)
        {
            _shifted = new double[3 * state.AtomCount];
        }
        var system = ToCoulombSystem(state, _shifted);
        var k = _ewald is not null ? _ewald.ComputeKSpace(system) : _pppm!.ComputeKSpace(system);
        var f = result.Forces;
        for (var i = 0; i < f.Length; i++)
        {
            f[i] += k.Forces[i];
        }
        result.Energy += k.Energy;
        for (var a = 0; a < 6; a++)
        {
            result.Virial[a] += k.Virial[a];
        }
        if (result.Wants(ForceTerms.PerAtomEnergy))
        {
            for (var i = 0; i < state.AtomCount; i++)
            {
                result.PerAtomEnergy[i] += k.PerAtomEnergy[i];
            }
        }
    }

    // The long-range solvers take a box at the origin: positions relative to the lower corner (into buffer when
    // given, else a new array).
    private static CoulombSystem ToCoulombSystem(MdState state, double[]? buffer)
    {
        var charges = state.Charges
            ?? throw new ArgumentException("long-range electrostatics needs charges: read the data file with atom_style charge or full", nameof(state));
        var box = state.Box;
        var x = state.Positions;
        var shifted = buffer ?? new double[x.Length];
        for (var i = 0; i < x.Length; i += 3)
        {
            shifted[i] = x[i] - box.XLo;
            shifted[i + 1] = x[i + 1] - box.YLo;
            shifted[i + 2] = x[i + 2] - box.ZLo;
        }
        return new CoulombSystem(
            shifted, charges, new LongRange.OrthogonalBox(box.LengthX, box.LengthY, box.LengthZ), state.Units.Qqr2e);
    }
}
