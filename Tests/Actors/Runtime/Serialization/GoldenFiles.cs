using Xunit;

namespace Dataflow.Tests.Actors.Runtime.Serialization;

/// <summary>The committed golden bytes in <c>Tests/Actors/Runtime/Serialization/Golden</c>, as lower-case hex, one
/// file per type. With <c>DATAFLOW_UPDATE_GOLDEN=1</c> in the environment, comparisons rewrite the files instead.</summary>
internal static class GoldenFiles
{
    /// <summary>The environment variable that turns comparisons into rewrites.</summary>
    public const string UpdateVariable = "DATAFLOW_UPDATE_GOLDEN";

    /// <summary>Whether this run rewrites golden files.</summary>
    public static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    /// <summary>The golden directory in the source tree (tests run from a build inside it).</summary>
    public static string Directory { get; } = Path.Combine(FindRepositoryRoot(), "Tests", "Actors", "Runtime", "Serialization", "Golden");

    /// <summary>The file name of the golden bytes of <paramref name="type"/>, with an optional variant.</summary>
    public static string NameOf(Type type, string? variant = null)
    {
        var name = type.FullName!.StartsWith("Dataflow.", StringComparison.Ordinal) ? type.FullName["Dataflow.".Length..] : type.FullName;
        return variant is null ? $"{name}.hex" : $"{name}.{variant}.hex";
    }

    /// <summary>The bytes of a golden file, or null when it does not exist.</summary>
    public static byte[]? Read(string name)
    {
        var path = Path.Combine(Directory, name);
        return File.Exists(path) ? Convert.FromHexString(File.ReadAllText(path).Trim()) : null;
    }

    /// <summary>Fails unless <paramref name="actual"/> equals the golden file <paramref name="name"/> of
    /// <paramref name="what"/>; rewrites the file instead when <see cref="Updating"/>.</summary>
    public static void AssertMatches(string what, string name, byte[] actual)
    {
        if (Updating)
        {
            File.WriteAllText(Path.Combine(Directory, name), Convert.ToHexStringLower(actual) + "\n");
            return;
        }
        var expected = Read(name);
        if (expected is null)
        {
            Assert.Fail($"{what} has no golden bytes: add a sample and run the serialization tests once with {UpdateVariable}=1 to "
                + $"write Golden/{name}");
        }
        if (!expected.AsSpan().SequenceEqual(actual))
        {
            var at = expected.AsSpan().CommonPrefixLength(actual);
            Assert.Fail($"{what}: serialized bytes differ from Golden/{name} at byte {at} (expected {expected.Length} bytes, got "
                + $"{actual.Length}). Nodes and checkpoints of other builds hold the old bytes: keep keys and "
                + $"member types as they are, add members with new keys only; if the change is deliberate, rerun with "
                + $"{UpdateVariable}=1 and commit the new file.");
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Dataflow.sln")))
            {
                return d.FullName;
            }
        }
        throw new DirectoryNotFoundException("repository root not found above " + AppContext.BaseDirectory);
    }
}
