using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace Dataflow.Kernels.Tune;

/// <summary>A cost model: gradient-boosted regression trees (ML.NET FastTree) that predict a candidate's log
/// throughput from features of its task's shape and its schedule, retrained from all measurements each round.</summary>
/// <remarks>
/// The label is ln(GFLOP/s), comparable across the tasks of a family, as Ansor's normalised throughput is. FastTree
/// runs on one thread with a fixed seed, so a model trained on the same rows predicts the same scores. Below
/// <see cref="MinimumRows"/> rows the model is untrained and scores every candidate 0: the search is then random.
/// </remarks>
public sealed class CostModel
{
    /// <summary>Features per candidate.</summary>
    public const int FeatureCount = 22;

    /// <summary>Fewest measurements a model is trained on.</summary>
    public const int MinimumRows = 8;

    private readonly List<Row> _rows = [];
    private readonly int _seed;
    private PredictionEngine<Row, Score>? _engine;
    private int _trainedRows;

    /// <summary>Creates an empty model.</summary>
    public CostModel(int seed) => _seed = seed;

    /// <summary>Measurements the model holds.</summary>
    public int Rows => _rows.Count;

    /// <summary>Adds one measurement.</summary>
    public void Add(TuneTask task, TuneSchedule schedule, double seconds) =>
        _rows.Add(new Row { Features = Features(task, schedule), Label = (float)Math.Log(task.Flops / seconds / 1e9) });

    /// <summary>Retrains on every row when rows were added since the last training.</summary>
    public void Train()
    {
        if (_rows.Count < MinimumRows || _rows.Count == _trainedRows)
        {
            return;
        }
        var ml = new MLContext(_seed);
        var data = ml.Data.LoadFromEnumerable(_rows);
        var trainer = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
        {
            NumberOfTrees = 40,
            NumberOfLeaves = 8,
            MinimumExampleCountPerLeaf = 2,
            LearningRate = 0.2,
            NumberOfThreads = 1,
            Seed = _seed,
            FeatureFraction = 1.0,
        });
        var model = trainer.Fit(data);
        _engine = ml.Model.CreatePredictionEngine<Row, Score>(model);
        _trainedRows = _rows.Count;
    }

    /// <summary>Predicted ln(GFLOP/s) of <paramref name="schedule"/> on <paramref name="task"/>; 0 untrained.</summary>
    public double Predict(TuneTask task, TuneSchedule schedule) =>
        _engine is null ? 0 : _engine.Predict(new Row { Features = Features(task, schedule) }).Value;

    /// <summary>Predicted seconds of one run; <see cref="double.NaN"/> untrained.</summary>
    public double PredictSeconds(TuneTask task, TuneSchedule schedule) =>
        _engine is null ? double.NaN : task.Flops / (Math.Exp(Predict(task, schedule)) * 1e9);

    /// <summary>True once trained.</summary>
    public bool IsTrained => _engine is not null;

    /// <summary>The feature vector: operator, log sizes of the shape (9 slots), log flops, the knobs and derived
    /// quantities (register block, cache block footprint, work per parallel task).</summary>
    public static float[] Features(TuneTask task, TuneSchedule s)
    {
        var f = new float[FeatureCount];
        f[0] = (int)task.Operator;
        for (var i = 0; i < Math.Min(9, task.Shape.Length); i++)
        {
            f[1 + i] = (float)Math.Log2(1 + task.Shape[i]);
        }
        f[10] = (float)Math.Log2(task.Flops);
        var knobs = s.Knobs;
        for (var i = 0; i < knobs.Length; i++)
        {
            f[11 + i] = (float)Math.Log2(1 + knobs[i]);
        }
        f[19] = s.Unroll * Math.Max(1, s.Vector);
        f[20] = (float)Math.Log2(1 + 4.0 * (Math.Max(1, s.TileRows) + Math.Max(1, s.TileCols)) * Math.Max(1, s.TileInner));
        var rows = task.Shape[0];
        f[21] = (float)Math.Log2(1 + (s.Chunk <= 0 ? rows : Math.Min(rows, s.Chunk)) / (double)Math.Max(1, rows) * task.Flops / Math.Max(1, s.Threads));
        return f;
    }

    internal sealed class Row
    {
        [VectorType(FeatureCount)]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    internal sealed class Score
    {
        [ColumnName("Score")]
        public float Value { get; set; }
    }
}
