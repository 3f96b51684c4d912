using Dataflow.Kernels.Tune;
using Xunit;

namespace Dataflow.Tests.Kernels.Tune;

public sealed class TuneModelSpec
{
    [Fact]
    public void The_cnn_groups_by_anchor_into_five_families_and_by_op_sequence_into_seven()
    {
        var cnn = TuneModel.Cnn();
        // 17 layers; layer1's two blocks repeat their convolutions and layer2's two second convolutions match.
        Assert.Equal(14, cnn.Tasks.Length);
        Assert.Equal(17, cnn.Tasks.Sum(t => t.Weight));

        var byAnchor = cnn.Families(FamilyGrouping.Anchor);
        Assert.Equal(["conv2d", "depthwise_conv2d", "reduction", "dense", "softmax"], byAnchor.Select(f => f.Key));
        Assert.Equal(
            ["stem", "layer1.0.conv1", "layer1.0.conv2", "layer2.0.conv1", "layer2.0.conv2", "layer2.0.downsample", "layer2.1.conv1", "layer3.0.pw", "layer3.1.pw"],
            byAnchor[0].Members.Select(i => cnn.Tasks[i].Name));
        Assert.Equal(["layer3.0.dw", "layer3.1.dw"], byAnchor[1].Members.Select(i => cnn.Tasks[i].Name));

        var bySequence = cnn.Families(FamilyGrouping.OpSequence);
        Assert.Equal(7, bySequence.Length);
        string[] Names(string first) => bySequence.Single(f => f.Members.Any(i => cnn.Tasks[i].Name == first)).Members.Select(i => cnn.Tasks[i].Name).ToArray();
        Assert.Equal(["stem", "layer1.0.conv1", "layer2.0.conv1", "layer2.1.conv1", "layer3.0.pw"], Names("stem"));
        Assert.Equal(["layer1.0.conv2", "layer2.0.conv2", "layer3.1.pw"], Names("layer1.0.conv2"));
        Assert.Equal(["layer2.0.downsample"], Names("layer2.0.downsample"));
        Assert.All(bySequence, f => Assert.Matches("^[a-z_0-9]+#[0-9a-f]{8}$", f.Key));
    }

    [Fact]
    public void The_transformer_block_has_one_dense_family_of_six_tasks()
    {
        var block = TuneModel.Transformer();
        var families = block.Families(FamilyGrouping.Anchor);
        Assert.Equal(["reduction", "dense", "softmax"], families.Select(f => f.Key));
        Assert.Equal(6, families[1].Members.Length);
        Assert.Equal(2, block.Tasks.Single(t => t.Name == "ln1").Weight);
        // qkv and fc1 differ in epilogue; out and fc2 share dense+bias_add+add.
        Assert.Equal(7, block.Families(FamilyGrouping.OpSequence).Length);
    }

    [Fact]
    public void A_task_with_a_wrong_shape_is_rejected_with_its_name()
    {
        var error = Assert.Throws<ArgumentException>(() => new TuneTask("fc9", TuneOperator.Dense, [4, 4], ["dense"]).Validate());
        Assert.Contains("fc9", error.Message);
        Assert.Contains("3 shape values", error.Message);
    }
}
