// DecimalParser's fast path against .NET's double.Parse (an independent, correctly rounded
// conversion): the bits must be equal for every text, fast path or not.
using System.Globalization;
using Keel.Data;

namespace Keel.Tests.Data;

public class DecimalParserTests
{
    private static void AssertSameAsDoubleParse(string text)
    {
        bool expectedOk = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double expected);
        bool ok = DecimalParser.TryParse(text, out double actual);
        Assert.True(expectedOk == ok, $"'{text}': parsed {ok}, double.Parse {expectedOk}");
        if (ok)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"'{text}': {actual:R} vs double.Parse {expected:R}");
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("-0.0")]
    [InlineData("5.451124")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("-.25")]
    [InlineData("9007199254740992")]
    [InlineData("9007199254740993")]
    [InlineData("1234567890123456789")]
    [InlineData("12345678901234567890")]
    [InlineData("0.1")]
    [InlineData("0.0000000000000000000001")]
    [InlineData("0.00000000000000000000001")]
    [InlineData("1e5")]
    [InlineData(" 7.5")]
    [InlineData("+3")]
    [InlineData("1.2.3")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("12a")]
    [InlineData("1,5")]
    public void Edge_texts_parse_as_double_Parse_does(string text) => AssertSameAsDoubleParse(text);

    [Fact]
    public void Random_decimals_of_every_length_have_the_bits_of_double_Parse()
    {
        // Texts of 1 to 24 digits with the point anywhere: on both sides of the fast path's limits
        // (19 digits, m ≤ 2^53, 22 fraction digits).
        var rng = new Random(20261128);
        for (int i = 0; i < 200000; i++)
        {
            int length = 1 + rng.Next(24);
            var chars = new char[length];
            for (int d = 0; d < length; d++)
            {
                chars[d] = (char)('0' + rng.Next(10));
            }

            string digits = new(chars);
            int point = rng.Next(length + 1);
            string text = (rng.Next(2) == 0 ? "-" : string.Empty) + (point == length ? digits : digits[..point] + "." + digits[point..]);
            AssertSameAsDoubleParse(text);
        }
    }
}
