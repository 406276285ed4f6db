namespace Keel.Tests;

public class SmokeTests
{
    [Fact]
    public void Machine_epsilon_is_two_to_the_minus_52()
    {
        Assert.Equal(TestSupport.Numeric.Eps, Math.ScaleB(1.0, -52));
    }
}
