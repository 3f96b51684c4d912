namespace Dataflow.Kernels.Quantum;

/// <summary>Eigenvalues of a real symmetric matrix in ascending order and the matching orthonormal eigenvectors.</summary>
/// <param name="Values">Eigenvalues, ascending.</param>
/// <param name="Vectors">Eigenvectors as columns: column k belongs to <c>Values[k]</c>.</param>
public sealed record SymmetricEigensystem(double[] Values, double[,] Vectors)
{
    /// <summary>Column <paramref name="k"/> of <see cref="Vectors"/>.</summary>
    public double[] Vector(int k)
    {
        var n = Values.Length;
        var v = new double[n];
        for (var i = 0; i < n; i++)
        {
            v[i] = Vectors[i, k];
        }
        return v;
    }
}
