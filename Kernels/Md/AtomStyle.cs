namespace Dataflow.Kernels.Md;

/// <summary>The LAMMPS atom styles a data file's <c>Atoms</c> section may use here (docs.lammps.org/read_data.html).</summary>
public enum AtomStyle
{
    /// <summary><c>atomic</c>: columns <c>atom-ID atom-type x y z</c>.</summary>
    Atomic,

    /// <summary><c>charge</c>: columns <c>atom-ID atom-type q x y z</c>.</summary>
    Charge,

    /// <summary><c>full</c>: columns <c>atom-ID molecule-ID atom-type q x y z</c>; bonded terms are not supported.</summary>
    Full,
}
