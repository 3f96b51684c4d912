using Dataflow.Kernels.Train;
using Xunit;

namespace Dataflow.Tests.Kernels.Train;

public sealed class TrainSettingsSpec
{
    [Theory]
    [InlineData("logicalWorkers")]
    [InlineData("batchPerWorker")]
    [InlineData("learningRate")]
    [InlineData("beta2")]
    [InlineData("dropout")]
    [InlineData("intraOpThreads")]
    [InlineData("datasetSize")]
    public void Validate_names_the_offending_field(string field)
    {
        var ok = new TrainSettings(TrainModelKind.Mlp, LogicalWorkers: 4, Seed: 1);
        ok.Validate();
        var bad = field switch
        {
            "logicalWorkers" => ok with { LogicalWorkers = 0 },
            "batchPerWorker" => ok with { BatchPerWorker = 0 },
            "learningRate" => ok with { LearningRate = double.NaN },
            "beta2" => ok with { Beta2 = 1.0 },
            "dropout" => ok with { Dropout = 1f },
            "intraOpThreads" => ok with { IntraOpThreads = 0 },
            _ => ok with { DatasetSize = 3 },
        };
        var e = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Equal(field, e.ParamName);
        Assert.StartsWith(field, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Learning_rate_warms_up_linearly_then_follows_the_cosine()
    {
        var constant = new TrainSettings(TrainModelKind.Mlp, 2, 1, LearningRate: 0.01, WarmupSteps: 4);
        Assert.Equal(0.0025, constant.LearningRateAt(1), 15);
        Assert.Equal(0.0075, constant.LearningRateAt(3), 15);
        Assert.Equal(0.01, constant.LearningRateAt(4), 15);
        Assert.Equal(0.01, constant.LearningRateAt(1000), 15);

        var cosine = constant with { TotalSteps = 14 };
        Assert.Equal(0.01, cosine.LearningRateAt(4), 15);
        Assert.Equal(0.005, cosine.LearningRateAt(9), 15);   // halfway through the decay: cos(pi/2) = 0
        Assert.Equal(0.0, cosine.LearningRateAt(14), 15);
    }
}
