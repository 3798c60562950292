using System.Text.Json;
using Engram.Models.Configuration;

namespace Engram.Models.Tests.Configuration;

// schemas/engram.schema.json and the loader must describe the same shape.
public sealed class SchemaTests
{
    private static readonly Lazy<JsonDocument> s_schema = new(() => JsonDocument.Parse(File.ReadAllText(FindSchema())));

    public static TheoryData<string, string[]> Objects => new()
    {
        { "", [.. ConfigNames.RootProperties] },
        { "$defs.model", [.. ConfigNames.ModelProperties] },
        { "$defs.route", [.. ConfigNames.RouteProperties] },
        { "$defs.budgets", [.. ConfigNames.BudgetProperties] },
    };

    public static TheoryData<string, string[]> Enums => new()
    {
        { "$defs.task", [.. ConfigNames.Tasks] },
        { "$defs.capability", [.. ConfigNames.Capabilities] },
        { "$defs.provider", [.. ConfigNames.Providers] },
        { "$defs.latencyClass", [.. ConfigNames.LatencyClasses] },
    };

    [Theory]
    [MemberData(nameof(Objects))]
    public void SchemaListsExactlyTheLoadersProperties(string path, string[] loaderProperties)
    {
        var schemaProperties = At(path).GetProperty("properties").EnumerateObject().Select(p => p.Name);
        Assert.Equal(loaderProperties.Order(StringComparer.Ordinal), schemaProperties.Order(StringComparer.Ordinal));
        Assert.False(At(path).GetProperty("additionalProperties").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Enums))]
    public void SchemaListsExactlyTheLoadersEnumValues(string path, string[] loaderValues) =>
        Assert.Equal(loaderValues, At(path).GetProperty("enum").EnumerateArray().Select(v => v.GetString()!));

    [Fact]
    public void ConfigNamesCoverEveryEnumMember()
    {
        Assert.Equal(Enum.GetValues<ModelTask>().Length, ConfigNames.Tasks.Count);
        Assert.Equal(Enum.GetValues<ModelCapability>().Length, ConfigNames.Capabilities.Count);
        Assert.Equal(Enum.GetValues<ModelProvider>().Length, ConfigNames.Providers.Count);
        Assert.Equal(Enum.GetValues<LatencyClass>().Length, ConfigNames.LatencyClasses.Count);
    }

    [Fact]
    public void RequiredModelPropertiesMatchTheLoader()
    {
        var required = At("$defs.model").GetProperty("required").EnumerateArray().Select(v => v.GetString()!).ToList();
        var valid = new Dictionary<string, string> { ["name"] = "\"a\"", ["provider"] = "\"fake\"", ["capabilities"] = "[\"chat\"]" };
        Assert.Equal(valid.Keys, required);
        foreach (var missing in required)
        {
            var model = string.Join(", ", valid.Where(p => p.Key != missing).Select(p => $"\"{p.Key}\": {p.Value}"));
            var e = Assert.Throws<ConfigException>(() => EngramConfigLoader.Parse($$"""{ "models": [ { {{model}} } ] }""", "t.json"));
            Assert.StartsWith($"missing required property \"{missing}\"", e.Problem, StringComparison.Ordinal);
        }
    }

    private static JsonElement At(string path)
    {
        var element = s_schema.Value.RootElement;
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            element = element.GetProperty(part);
        }

        return element;
    }

    private static string FindSchema()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "schemas", "engram.schema.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("schemas/engram.schema.json not found above " + AppContext.BaseDirectory);
    }
}
