namespace Dataflow.Kernels.Md.DeepPotential;

/// <summary>deepmd-kit's smooth weight s(r) of the se_e2_a environment matrix.</summary>
/// <remarks>Zhang et al., NeurIPS 2018 (arXiv 1805.09003) eq. 5 and deepmd-kit's documentation of se_e2_a:
/// s(r) = 1/r for r &lt; rcs; 1/r (u^3 (-6u^2 + 15u - 10) + 1) with u = (r - rcs)/(rc - rcs) for rcs &lt;= r &lt; rc;
/// 0 beyond. The polynomial takes 1 to 0 with vanishing first and second derivatives at both ends.</remarks>
public static class SmoothSwitch
{
    /// <summary>s(r) in 1/Angstrom.</summary>
    public static double Value(double r, double smoothCutoff, double cutoff)
    {
        if (r >= cutoff)
        {
            return 0;
        }
        if (r < smoothCutoff)
        {
            return 1 / r;
        }
        var u = (r - smoothCutoff) / (cutoff - smoothCutoff);
        return (u * u * u * (-6 * u * u + 15 * u - 10) + 1) / r;
    }
}
