using Dataflow.Kernels.Fl;
using Xunit;

namespace Dataflow.Tests.Kernels.Fl;

public sealed class DiceSpec
{
    [Fact]
    public void Counts_twice_the_overlap_over_the_sizes()
    {
        byte[] truth = [1, 1, 1, 1, 0, 0, 0, 0];
        byte[] predicted = [1, 1, 0, 0, 1, 0, 0, 0];
        // |P n G| = 2, |P| = 3, |G| = 4: 4/7.
        Assert.Equal(4.0 / 7.0, Dice.Coefficient(predicted, truth), 12);
        Assert.Equal(1.0, Dice.Coefficient(truth, truth));
        Assert.Equal(0.0, Dice.Coefficient([0, 0, 0, 0, 1, 1, 1, 1], truth));
        Assert.Equal(1.0, Dice.Coefficient(new byte[8], new byte[8]));
        Assert.Throws<ArgumentException>(() => Dice.Coefficient(new byte[3], truth));
    }
}
