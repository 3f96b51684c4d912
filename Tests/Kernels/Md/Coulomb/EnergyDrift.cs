using Dataflow.Kernels.Md;

namespace Dataflow.Tests.Kernels.Md.Coulomb;

/// <summary>How well a run conserved its total energy, from its thermo samples (totals, not normalised).</summary>
/// <param name="Atoms">Atom count.</param>
/// <param name="DurationTime">Time between the first and last sample, time units.</param>
/// <param name="SlopePerAtom">Least-squares slope of etotal against time over the atom count, energy per atom per
/// time unit.</param>
/// <param name="SlopeError">Its standard error if the residuals were independent, same units (a lower bound: the
/// residuals of a molten salt's etotal are correlated).</param>
/// <param name="MaxExcursion">Largest |etotal(t) - etotal(0)|, energy units (a total).</param>
/// <param name="ResidualDeviation">Standard deviation of etotal about the fitted line, energy units.</param>
/// <param name="MeanTemperature">Mean thermo temperature, temperature units.</param>
internal sealed record EnergyDrift(
    int Atoms, double DurationTime, double SlopePerAtom, double SlopeError, double MaxExcursion, double ResidualDeviation,
    double MeanTemperature)
{
    /// <summary>The drift of <paramref name="samples"/> (from one run, timestep <paramref name="timestep"/>).</summary>
    public static EnergyDrift Of(IReadOnlyList<ThermoSample> samples, int atoms, double timestep)
    {
        if (samples.Count < 3 || samples.Any(s => s.Normalized))
        {
            throw new ArgumentException("need three or more samples of total (not per-atom) energies", nameof(samples));
        }
        var t = samples.Select(s => s.Step * timestep).ToArray();
        var e = samples.Select(s => s.TotalEnergy).ToArray();
        var tMean = t.Average();
        var eMean = e.Average();
        var sxx = t.Sum(a => (a - tMean) * (a - tMean));
        var slope = t.Zip(e, (a, b) => (a - tMean) * (b - eMean)).Sum() / sxx;
        var residuals = t.Zip(e, (a, b) => b - eMean - slope * (a - tMean)).ToArray();
        var deviation = Math.Sqrt(residuals.Sum(r => r * r) / (residuals.Length - 2));
        return new EnergyDrift(
            atoms, t[^1] - t[0], slope / atoms, deviation / Math.Sqrt(sxx) / atoms, e.Max(x => Math.Abs(x - e[0])), deviation,
            samples.Average(s => s.Temperature));
    }

    /// <summary>kB times the mean temperature, energy units.</summary>
    public double ThermalEnergy(UnitSystem units) => units.Boltzmann * MeanTemperature;

    /// <summary>The slope in units of kB T per atom per <paramref name="time"/> time units (1000 for a nanosecond
    /// in metal units).</summary>
    public double SlopeInThermalEnergy(UnitSystem units, double time) => SlopePerAtom * time / ThermalEnergy(units);

    /// <summary>One line for the test output: slope per atom per time unit and per 1000, in kT, and the excursion.</summary>
    public string Describe(UnitSystem units) =>
        $"slope {SlopePerAtom:E2} (+- {SlopeError:E1}) energy/atom/time = {SlopePerAtom * 1000:E2} per 1000 time units "
        + $"= {SlopeInThermalEnergy(units, 1000):E2} kT/atom per 1000 time units (kT {ThermalEnergy(units):F4}); "
        + $"max |etotal - etotal(0)| {MaxExcursion:E2} = {MaxExcursion / Atoms / ThermalEnergy(units):E2} kT/atom; "
        + $"sd about the fit {ResidualDeviation:E2}; over {DurationTime:G4} time units";
}
