namespace Dataflow.Kernels.Md;

/// <summary>A data file's <c>Pair Coeffs</c> section kept as text, so that reading and writing a file keeps it.</summary>
/// <param name="Style">The pair style named in the section's comment (<c>Pair Coeffs # lj/cut</c>), or null.</param>
/// <param name="Lines">One line per atom type, <c>type coeff1 coeff2 ...</c>, without comments.</param>
/// <remarks>Forces are not set up from these lines: a pair style is configured by its own parameters.</remarks>
public sealed record PairCoefficientLines(string? Style, IReadOnlyList<string> Lines);
