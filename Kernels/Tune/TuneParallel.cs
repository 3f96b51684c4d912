namespace Dataflow.Kernels.Tune;

/// <summary>Runs a schedule's parallel tasks: <c>count</c> independent units on at most <c>threads</c> threads.</summary>
/// <remarks>Each unit writes its own part of the output, so the result does not depend on the thread count.</remarks>
internal static class TuneParallel
{
    public static void For(int count, int threads, Action<int> unit)
    {
        if (count <= 1 || threads <= 1)
        {
            for (var u = 0; u < count; u++)
            {
                unit(u);
            }
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, unit);
    }

    /// <summary>Units of <paramref name="chunk"/> items over <paramref name="items"/> (0: one unit).</summary>
    public static int Units(int items, int chunk) => chunk <= 0 || chunk >= items ? 1 : (items + chunk - 1) / chunk;
}
