using Engram.Core.Text;

namespace Engram.Core.Tests.Text;

public sealed class TermTokenizerTests
{
    [Theory]
    [InlineData("XmlHttpRequest2", "xml http request 2 xmlhttprequest2")]
    [InlineData("parse_json_values", "parse json value parsejsonvalues")]
    [InlineData("IOStream", "io stream iostream")]
    [InlineData("Gets or sets the maximum depth", "get set maximum depth")]
    [InlineData("return this.value;", "value")]
    [InlineData("kebab-case-name", "kebab case name")]
    [InlineData("classes queries status", "classe query status")]
    [InlineData("null values", "null value")]
    [InlineData("", "")]
    public void SplitsIdentifiersAndProse(string input, string expected)
    {
        Assert.Equal(expected, string.Join(' ', TermTokenizer.Tokenize(input)));
    }

    [Fact]
    public void LongTermsAreTruncated()
    {
        var term = Assert.Single(TermTokenizer.Tokenize(new string('a', 100)));
        Assert.Equal(TermTokenizer.MaxTermLength, term.Length);
    }
}
