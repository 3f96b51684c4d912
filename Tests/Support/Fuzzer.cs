using System.Globalization;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Support;

/// <summary>Mutation fuzzing of a reader: generated mutations of valid inputs (bit flips, byte insertions and
/// deletions, line duplication and deletion, numbers replaced by huge, negative, non-finite or empty values,
/// truncation), run until a case count or a time bound, whichever comes first.</summary>
/// <remarks>Case k of a run with seed s is generated from <c>Case(s, k)</c> alone, so a failure
/// names the seed and case and reproduces with <see cref="Case"/> whatever the time bound cut off.</remarks>
internal static class Fuzzer
{
    // Numbers a reader must refuse or handle: beyond int and long, negative, non-finite, empty, Fortran and hex forms.
    private static readonly string[] s_numbers =
    [
        "2000000000", "2147483647", "2147483648", "-2147483648", "4294967296", "9223372036854775807",
        "99999999999999999999999999", "-1", "-0", "0", "1e308", "1e309", "-1e309", "1e-320", "NaN", "nan", "Infinity",
        "-Infinity", "inf", "", "1D+400", "0x10", "64*1", "1*", "*", "1.5.5", "+", "-", "1e", "１", "\u0000",
    ];

    // Bytes that mean something to MessagePack (nil, bin/str/array/map headers of every width) or to text (digits,
    // signs, separators, comment and namelist characters).
    private static readonly byte[] s_interestingBytes =
    [
        0x00, 0x01, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xc0, 0xc1, 0xc4, 0xc5, 0xc6, 0xc7, 0xca, 0xcb, 0xce, 0xcf, 0xd2, 0xd3,
        0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xff, (byte)'0', (byte)'9', (byte)'-', (byte)'.', (byte)' ', (byte)'\n',
        (byte)'#', (byte)'&', (byte)'/', (byte)'=', (byte)',', (byte)'*',
    ];

    /// <summary>The random source of case <paramref name="index"/> of a run with <paramref name="seed"/>.</summary>
    public static Random Case(int seed, int index) => new(unchecked(seed * 1_000_003 + index * 7919) & int.MaxValue);

    /// <summary>Runs <paramref name="test"/> on up to <paramref name="maxCases"/> generated cases or for
    /// <paramref name="maxTime"/>, whichever comes first; fails naming the seed, the case and the input when a case
    /// throws an exception <paramref name="allowed"/> refuses, or allocates more than <paramref name="maxAllocatedBytes"/>.</summary>
    /// <returns>How many cases ran and how many were refused with an allowed exception.</returns>
    public static (int Cases, int Refused) Run<T>(ITestOutputHelper output, string name, int seed, int maxCases, TimeSpan maxTime,
        Func<Random, T> generate, Action<T> test, Func<Exception, bool> allowed, Func<T, string> describe, long maxAllocatedBytes)
    {
        var started = DateTime.UtcNow;
        var refused = 0;
        var cases = 0;
        for (; cases < maxCases && DateTime.UtcNow - started < maxTime; cases++)
        {
            var input = generate(Case(seed, cases));
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                test(input);
            }
            catch (Exception e) when (allowed(e))
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{name}: seed {seed} case {cases}: {e.GetType().Name} escaped (reproduce with Fuzzer.Case({seed}, {cases})):\n"
                    + $"{e}\ninput: {describe(input)}");
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > maxAllocatedBytes)
            {
                Assert.Fail($"{name}: seed {seed} case {cases} allocated {allocated} bytes, more than {maxAllocatedBytes} "
                    + $"(reproduce with Fuzzer.Case({seed}, {cases})); input: {describe(input)}");
            }
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: seed {seed}, {cases} cases ({refused} refused) in {(DateTime.UtcNow - started).TotalSeconds:F1} s"));
        return (cases, refused);
    }

    /// <summary>One to three mutations of <paramref name="text"/>, line-, token- or byte-level.</summary>
    public static string MutateText(string text, Random random)
    {
        var rounds = 1 + random.Next(3);
        for (var r = 0; r < rounds; r++)
        {
            text = random.Next(8) switch
            {
                0 => ReplaceNumber(text, random),
                1 => ReplaceNumber(text, random),
                2 => EditLines(text, random),
                3 => Truncate(text, random),
                4 => ReplaceToken(text, random),
                _ => Encoding.UTF8.GetString(MutateBytes(Encoding.UTF8.GetBytes(text), random, 1)),
            };
        }
        return text;
    }

    /// <summary><paramref name="rounds"/> (or one to three) byte-level mutations of <paramref name="bytes"/>.</summary>
    public static byte[] MutateBytes(byte[] bytes, Random random, int rounds = 0)
    {
        var data = new List<byte>(bytes);
        rounds = rounds > 0 ? rounds : 1 + random.Next(3);
        for (var r = 0; r < rounds; r++)
        {
            var at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(7))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    data.Insert(at, (byte)random.Next(256));
                    break;
                case 2 when data.Count > 0:
                    data.RemoveRange(at, Math.Min(1 + random.Next(4), data.Count - at));
                    break;
                case 3 when data.Count > 0:
                    data[at] = s_interestingBytes[random.Next(s_interestingBytes.Length)];
                    break;
                case 4 when data.Count > 0:
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 5 when data.Count > 0:
                    var length = Math.Min(1 + random.Next(16), data.Count - at);
                    data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                    break;
                default:
                    // A big-endian length or count in place of whatever was there: 0xffffffff, 0x7fffffff, 0x80000000...
                    var value = random.Next(4) switch { 0 => uint.MaxValue, 1 => (uint)int.MaxValue, 2 => 0x80000000u, _ => (uint)random.Next() };
                    for (var k = 0; k < 4 && at + k < data.Count; k++)
                    {
                        data[at + k] = (byte)(value >> (24 - 8 * k));
                    }
                    break;
            }
        }
        return [.. data];
    }

    private static string ReplaceNumber(string text, Random random)
    {
        var numbers = NumberSpans(text);
        if (numbers.Count == 0)
        {
            return text;
        }
        var (start, length) = numbers[random.Next(numbers.Count)];
        return string.Concat(text.AsSpan(0, start), s_numbers[random.Next(s_numbers.Length)], text.AsSpan(start + length));
    }

    private static string ReplaceToken(string text, Random random)
    {
        // A word or number swapped for another of the same text (e.g. 'Atoms' where a count was).
        var tokens = TokenSpans(text);
        if (tokens.Count < 2)
        {
            return text;
        }
        var (start, length) = tokens[random.Next(tokens.Count)];
        var (otherStart, otherLength) = tokens[random.Next(tokens.Count)];
        return string.Concat(text.AsSpan(0, start), text.AsSpan(otherStart, otherLength), text.AsSpan(start + length));
    }

    private static string EditLines(string text, Random random)
    {
        var lines = text.Split('\n').ToList();
        var at = random.Next(lines.Count);
        switch (random.Next(4))
        {
            case 0:
                lines.Insert(at, lines[random.Next(lines.Count)]);
                break;
            case 1 when lines.Count > 1:
                lines.RemoveAt(at);
                break;
            case 2:
                var count = Math.Min(1 + random.Next(20), lines.Count - at);
                lines.InsertRange(at, lines.GetRange(at, count));
                break;
            default:
                var other = random.Next(lines.Count);
                (lines[at], lines[other]) = (lines[other], lines[at]);
                break;
        }
        return string.Join('\n', lines);
    }

    private static string Truncate(string text, Random random) => text.Length == 0 ? text : text[..random.Next(text.Length)];

    private static List<(int Start, int Length)> NumberSpans(string text)
    {
        var spans = new List<(int, int)>();
        for (var i = 0; i < text.Length;)
        {
            if (char.IsAsciiDigit(text[i]) || (text[i] is '-' or '+' or '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                var start = i++;
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] is '.' or 'e' or 'E' or 'D' or 'd' or '-' or '+'))
                {
                    i++;
                }
                spans.Add((start, i - start));
            }
            else
            {
                i++;
            }
        }
        return spans;
    }

    private static List<(int Start, int Length)> TokenSpans(string text)
    {
        var spans = new List<(int, int)>();
        for (var i = 0; i < text.Length;)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            spans.Add((start, i - start));
        }
        return spans;
    }

    /// <summary>The input for a failure message: escaped, at most 4,000 characters.</summary>
    public static string Describe(string text)
    {
        var escaped = text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal);
        return escaped.Length <= 4000 ? $"\"{escaped}\"" : $"\"{escaped[..4000]}\"... ({text.Length} characters)";
    }
}
