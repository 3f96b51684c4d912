namespace Dataflow.Kernels.Sft;

/// <summary>Bytes as a quadratic function of the input's length, fitted by least squares to measurements:
/// bytes = a + b x tokens + c x rows x length^2, where tokens = rows x length (Mimose, arXiv 2209.02478, section 4.1:
/// a layer's activations grow linearly with the tokens, and attention adds a term in the square of the length).</summary>
/// <remarks>Coefficients that come out negative (noise, or too few distinct lengths) are dropped and the rest refitted,
/// so the fit never predicts less memory for a longer input.</remarks>
public sealed class MemoryFit
{
    private readonly List<(double Tokens, double Pairs, double Bytes)> _samples = [];
    private double[]? _coefficients;

    /// <summary>Measurements so far.</summary>
    public int Count => _samples.Count;

    /// <summary>Adds a measurement of <paramref name="bytes"/> for <paramref name="rows"/> rows of
    /// <paramref name="length"/> tokens.</summary>
    public void Add(int rows, int length, long bytes)
    {
        var (tokens, pairs) = Features(rows, length);
        _samples.Add((tokens, pairs, bytes));
        _coefficients = null;
    }

    /// <summary>Predicted bytes for <paramref name="rows"/> rows of <paramref name="length"/> tokens (0 before any
    /// measurement).</summary>
    public double Predict(int rows, int length)
    {
        if (_samples.Count == 0)
        {
            return 0;
        }
        _coefficients ??= Fit();
        var (tokens, pairs) = Features(rows, length);
        return Math.Max(0, _coefficients[0] + _coefficients[1] * tokens + _coefficients[2] * pairs);
    }

    /// <summary>The fitted a, b and c.</summary>
    public (double Constant, double PerToken, double PerPair) Coefficients
    {
        get
        {
            _coefficients ??= _samples.Count == 0 ? [0, 0, 0] : Fit();
            return (_coefficients[0], _coefficients[1], _coefficients[2]);
        }
    }

    private static (double Tokens, double Pairs) Features(int rows, int length) =>
        ((double)rows * length, (double)rows * length * length);

    private double[] Fit()
    {
        // Terms in use: constant, tokens, pairs; as many as there are distinct inputs, and a term whose coefficient
        // comes out negative is dropped (the highest first) and the rest refitted.
        var distinct = _samples.Select(s => (s.Tokens, s.Pairs)).Distinct().Count();
        var use = new[] { true, distinct >= 2, distinct >= 3 };
        while (true)
        {
            var c = Solve(use);
            var negative = Array.FindLastIndex(c, x => x < 0);
            if (negative < 1)
            {
                return c;
            }
            use[negative] = false;
        }
    }

    // Least squares on the used terms, with each column scaled to its largest value (tokens and pairs span 1 to 1e9).
    private double[] Solve(bool[] use)
    {
        var columns = Enumerable.Range(0, 3).Where(i => use[i]).ToArray();
        var scale = columns.Select(i => Math.Max(1e-300, _samples.Max(s => Math.Abs(Value(s, i))))).ToArray();
        var n = columns.Length;
        var a = new double[n, n + 1];
        foreach (var s in _samples)
        {
            for (var r = 0; r < n; r++)
            {
                var xr = Value(s, columns[r]) / scale[r];
                for (var k = 0; k < n; k++)
                {
                    a[r, k] += xr * Value(s, columns[k]) / scale[k];
                }
                a[r, n] += xr * s.Bytes;
            }
        }
        // Gaussian elimination with partial pivoting; a singular column (too few distinct lengths) gets 0.
        var solution = new double[n];
        var pivotOf = new int[n];
        Array.Fill(pivotOf, -1);
        var row = 0;
        for (var col = 0; col < n && row < n; col++)
        {
            var best = row;
            for (var r = row + 1; r < n; r++)
            {
                if (Math.Abs(a[r, col]) > Math.Abs(a[best, col]))
                {
                    best = r;
                }
            }
            if (Math.Abs(a[best, col]) < 1e-9 * Math.Max(1, Math.Abs(a[0, 0])))
            {
                continue;
            }
            for (var k = 0; k <= n; k++)
            {
                (a[row, k], a[best, k]) = (a[best, k], a[row, k]);
            }
            for (var r = 0; r < n; r++)
            {
                if (r == row)
                {
                    continue;
                }
                var f = a[r, col] / a[row, col];
                for (var k = col; k <= n; k++)
                {
                    a[r, k] -= f * a[row, k];
                }
            }
            pivotOf[col] = row++;
        }
        for (var col = 0; col < n; col++)
        {
            solution[col] = pivotOf[col] < 0 ? 0 : a[pivotOf[col], n] / a[pivotOf[col], col] / scale[col];
        }
        var result = new double[3];
        for (var i = 0; i < n; i++)
        {
            result[columns[i]] = solution[i];
        }
        return result;
    }

    private static double Value((double Tokens, double Pairs, double Bytes) s, int term) => term switch
    {
        0 => 1,
        1 => s.Tokens,
        _ => s.Pairs,
    };
}
