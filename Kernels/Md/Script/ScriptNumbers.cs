using System.Globalization;

namespace Dataflow.Kernels.Md.Script;

/// <summary>Numbers and switches of script words, as LAMMPS' <c>utils::numeric</c>, <c>inumeric</c> and
/// <c>logical</c> read them; a bad word is a <see cref="FormatException"/> naming it.</summary>
public static class ScriptNumbers
{
    /// <summary>A floating-point word.</summary>
    public static double Double(string word, string what) =>
        double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new FormatException($"{what} '{word}' is not a number");

    /// <summary>An integer word.</summary>
    public static int Int(string word, string what) =>
        int.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"{what} '{word}' is not an integer");

    /// <summary>A 64-bit integer word.</summary>
    public static long Long(string word, string what) =>
        long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"{what} '{word}' is not an integer");

    /// <summary>yes/no/on/off/true/false.</summary>
    public static bool YesNo(string word, string what) => word switch
    {
        "yes" or "on" or "true" => true,
        "no" or "off" or "false" => false,
        _ => throw new FormatException($"{what} '{word}': expected yes or no"),
    };

    /// <summary>The type range of a word: <c>N</c>, <c>*</c>, <c>*N</c>, <c>N*</c> or <c>M*N</c> over 1..<paramref name="count"/>.</summary>
    public static (int Lo, int Hi) Range(string word, int count, string what)
    {
        int lo, hi;
        var star = word.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            lo = hi = Int(word, what);
        }
        else
        {
            lo = star == 0 ? 1 : Int(word[..star], what);
            hi = star == word.Length - 1 ? count : Int(word[(star + 1)..], what);
        }
        if (lo < 1 || hi > count || lo > hi)
        {
            throw new FormatException($"{what} '{word}' is outside 1..{count}");
        }
        return (lo, hi);
    }
}
