using Dataflow.Kernels.Input;
using Dataflow.Kernels.Quantum;
using Dataflow.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Kernels.Quantum;

/// <summary>The FCIDUMP reader on generated mutations of the bundled files: only <see cref="FcidumpFormatException"/>
/// escapes, and no case allocates more than its memory budget allows.</summary>
public sealed class FcidumpReaderFuzzSpec(ITestOutputHelper output)
{
    // A 64 MiB budget admits up to 44 orbitals (n^4 doubles): mutated NORB values beyond are refused before allocation.
    private static readonly InputLimits s_limits = new(MaxInputBytes: 1 << 20, MemoryBudgetBytes: 64L << 20);

    private static readonly string[] s_inputs =
    [
        File.ReadAllText(BundledMolecules.Path("h2")),
        File.ReadAllText(BundledMolecules.Path("lih")),
        " &FCI NORB=2,NELEC=2,MS2=0,ORBSYM=1,5,ISYM=1 /\n"
            + string.Join('\n', File.ReadAllLines(BundledMolecules.Path("h2")).SkipWhile(l => !l.TrimStart().StartsWith('&') || !l.Contains("END", StringComparison.OrdinalIgnoreCase)).Skip(1)),
        "$FCI ISYM=1 ORBSYM=2*1 3*2\n NELEC=4 UHF=F NORB=5\n$END\n 0.5 1 1 1 1\n 0.25 2 1 0 0\n 1.0D-02 5 0 0 0\n 0.7 0 0 0 0\n",
    ];

    [Fact]
    public void Mutated_files_raise_only_FcidumpFormatException()
    {
        var (cases, refused) = Fuzzer.Run(output, "fcidump", seed: 20251205, maxCases: 4000, maxTime: TimeSpan.FromSeconds(6),
            random => Fuzzer.MutateText(s_inputs[random.Next(s_inputs.Length)], random),
            text => FcidumpReader.ParseText(text, "fuzz.fcidump", s_limits),
            e => e is FcidumpFormatException,
            Fuzzer.Describe,
            maxAllocatedBytes: 96L << 20);
        Assert.True(cases >= 100, $"only {cases} cases ran");
        Assert.InRange(refused, 1, cases);
    }

    [Theory]
    // Regressions from the fuzzer.
    [InlineData("&FCI NORB=2, NELEC=2, MS2=-2147483648 /\n", 1, "MS2=-2147483648 is impossible with NELEC=2")]
    [InlineData("&FCI NORB=2, NELEC=2, ORBSYM=64*1 64*1 /\n", 1, "ORBSYM lists more than 64 values")]
    public void Fuzzer_findings_are_refused_as_FILE_colon_LINE(string text, int line, string problem)
    {
        var error = Assert.Throws<FcidumpFormatException>(() => FcidumpReader.ParseText(text, "found.fcidump", s_limits));
        Assert.StartsWith($"found.fcidump:{line}: {problem}", error.Message, StringComparison.Ordinal);
    }
}
