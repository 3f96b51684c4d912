using System.Globalization;
using Dataflow.Kernels.Input;

namespace Dataflow.Kernels.Quantum;

/// <summary>Reads FCIDUMP files (Knowles and Handy, Comput. Phys. Commun. 54, 75 (1989)) into <see cref="Fcidump"/>.</summary>
/// <remarks>
/// <para>Header: a Fortran namelist opened by <c>&amp;FCI</c> or <c>$FCI</c> and closed by <c>&amp;END</c>,
/// <c>$END</c>, a bare <c>&amp;</c> or <c>/</c>. Keys in any case and order, values spread over as many lines as
/// the writer liked, commas optional between values, Fortran repeat counts (<c>ORBSYM=4*1</c>) and logicals
/// (<c>.TRUE.</c>, <c>T</c>). Read: <c>NORB</c>, <c>NELEC</c> (both required), <c>MS2</c> (default 0),
/// <c>ORBSYM</c>, <c>ISYM</c> (default 1), <c>UHF</c>/<c>IUHF</c>; other keys (<c>IPRTIM</c>, <c>INT</c>,
/// <c>MEMORYREDUCTIONFACTOR</c>...) are ignored.</para>
/// <para>Body: lines <c>value i j k l</c> with 1-based indices. All four nonzero: (ij|kl) in chemists' notation,
/// stored with its 8 permutational partners; <c>i j 0 0</c>: h_ij; <c>i 0 0 0</c>: an orbital energy;
/// <c>0 0 0 0</c>: the core energy. Numbers may use Fortran <c>D</c> exponents (<c>1.0D-02</c>). A later line for
/// the same integral replaces an earlier one. Integrals absent from the file are zero.</para>
/// <para>Unrestricted files (<c>UHF=.TRUE.</c>) are refused. Every problem raises
/// <see cref="FcidumpFormatException"/> naming the file and line.</para>
/// </remarks>
public static class FcidumpReader
{
    /// <summary>Most spatial orbitals accepted: 64, i.e. 128 spin orbitals, the widest determinant type here.</summary>
    /// <remarks>Two-electron integrals are held densely (n^4 doubles, 128 MiB at 64 orbitals).</remarks>
    public const int MaxOrbitalCount = 64;

    /// <summary>Most values in the <c>&amp;FCI</c> namelist: a header has a few keys and one ORBSYM value per
    /// orbital; more means a missing terminator or not an FCIDUMP.</summary>
    public const int MaxHeaderTokens = 10_000;

    /// <summary>Reads the FCIDUMP file at <paramref name="path"/> within <paramref name="limits"/> (by default
    /// <see cref="InputLimits.Current"/>); messages name the file by that path.</summary>
    /// <exception cref="FcidumpFormatException">The file is not a valid restricted FCIDUMP, or is larger than the
    /// limits allow.</exception>
    public static Fcidump Read(string path, InputLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        limits ??= InputLimits.Current;
        BoundedInputStream stream;
        try
        {
            stream = BoundedInput.Open(path, limits, decompress: true);
        }
        catch (InputLimitException e)
        {
            throw new FcidumpFormatException(path, 1, e.Problem);
        }
        using (stream)
        {
            using var reader = new StreamReader(stream);
            return new Parser(reader, path, limits, stream.MaxLength).Run();
        }
    }

    /// <summary>Parses FCIDUMP text held in a string; messages name it <paramref name="sourceName"/>.</summary>
    /// <param name="text">The whole file.</param>
    /// <param name="sourceName">Name used in messages.</param>
    /// <param name="limits">Memory limits, by default <see cref="InputLimits.Current"/> (the text is already in
    /// memory, so its length is not limited here).</param>
    /// <exception cref="FcidumpFormatException">The text is not a valid restricted FCIDUMP.</exception>
    public static Fcidump ParseText(string text, string sourceName = "<text>", InputLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        using var reader = new StringReader(text);
        return new Parser(reader, sourceName, limits ?? InputLimits.Current, text.Length).Run();
    }

    /// <summary>Parses FCIDUMP text from <paramref name="reader"/>, at most the input limit of
    /// <paramref name="limits"/> (by default <see cref="InputLimits.Current"/>); messages name it
    /// <paramref name="sourceName"/>.</summary>
    /// <exception cref="FcidumpFormatException">The text is not a valid restricted FCIDUMP, or is longer than the
    /// limits allow.</exception>
    public static Fcidump Parse(TextReader reader, string sourceName, InputLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        limits ??= InputLimits.Current;
        var bound = reader is StreamReader { BaseStream: BoundedInputStream bounded } ? bounded.MaxLength : limits.MaxInputBytes;
        return new Parser(reader, sourceName, limits, bound).Run();
    }

    private enum TokenKind
    {
        Word,
        EqualsSign,
    }

    private readonly record struct Token(string Text, int Line, TokenKind Kind);

    private sealed record HeaderEntry(string Key, int Line, List<Token> Values);

    // lengthBound: the most characters the text can hold (its length, the file's, or the input limit).
    private sealed class Parser(TextReader reader, string sourceName, InputLimits limits, long lengthBound)
    {
        private readonly List<Token> _tokens = [];
        private int _lineNumber;
        private long _charsRead;

        public Fcidump Run()
        {
            var (headerLine, entries) = ReadHeader();
            return ReadBody(headerLine, entries);
        }

        private (int HeaderLine, Dictionary<string, HeaderEntry> Entries) ReadHeader()
        {
            string? line;
            while ((line = NextLine()) is not null && string.IsNullOrWhiteSpace(line))
            {
            }
            if (line is null)
            {
                throw Error(Math.Max(_lineNumber, 1), "missing FCIDUMP header: the file is empty");
            }
            var trimmed = line.TrimStart();
            if (!OpensNamelist(trimmed))
            {
                throw Error(_lineNumber, $"missing FCIDUMP header: expected an '&FCI' namelist, found '{Shorten(trimmed)}'");
            }
            var headerLine = _lineNumber;
            var ended = Tokenize(trimmed[4..]);
            while (!ended)
            {
                line = NextLine();
                if (line is null)
                {
                    throw Error(
                        _lineNumber,
                        "truncated header: the file ends before the namelist terminator ('&END' or '/')");
                }
                ended = Tokenize(line);
            }
            return (headerLine, GroupEntries());
        }

        private Fcidump ReadBody(int headerLine, Dictionary<string, HeaderEntry> entries)
        {
            var norbEntry = Required(entries, "NORB", headerLine);
            var norb = SingleInt(norbEntry);
            if (norb < 1 || norb > MaxOrbitalCount)
            {
                throw Error(norbEntry.Line, $"NORB={norb}: expected 1 to {MaxOrbitalCount} orbitals");
            }
            // The dense integral arrays allocated below: n^4 + n^2 + n doubles.
            var arrayBytes = 8.0 * ((double)norb * norb * norb * norb + norb * norb + norb);
            if (limits.MemoryProblem(arrayBytes, $"NORB={norb} (dense integral arrays)") is { } tooBig)
            {
                throw Error(norbEntry.Line, tooBig);
            }
            var nelecEntry = Required(entries, "NELEC", headerLine);
            var nelec = SingleInt(nelecEntry);
            entries.TryGetValue("MS2", out var ms2Entry);
            var ms2 = ms2Entry is null ? 0 : SingleInt(ms2Entry);
            ValidateElectrons(norb, nelec, nelecEntry, ms2, ms2Entry);
            RefuseUnrestricted(entries);
            var orbitalSymmetries = entries.TryGetValue("ORBSYM", out var orbsymEntry)
                ? IntList(orbsymEntry)
                : [];
            if (orbsymEntry is not null && orbitalSymmetries.Count != norb)
            {
                throw Error(orbsymEntry.Line, $"ORBSYM lists {orbitalSymmetries.Count} orbitals but NORB={norb}");
            }
            if (orbsymEntry is not null && orbitalSymmetries.FirstOrDefault(s => s is < 1 or > 8, 1) is var label and not (>= 1 and <= 8))
            {
                throw Error(orbsymEntry.Line, $"ORBSYM label {label} is not an irrep of D2h or a subgroup (1 to 8)");
            }
            var isym = entries.TryGetValue("ISYM", out var isymEntry) ? SingleInt(isymEntry) : 1;

            var n = norb;
            var oneElectron = new double[n * n];
            var twoElectron = new double[n * n * n * n];
            double[]? orbitalEnergies = null;
            var coreEnergy = 0.0;
            Span<Range> fields = stackalloc Range[6];
            Span<int> index = stackalloc int[4];
            string? line;
            while ((line = NextLine()) is not null)
            {
                var text = line.AsSpan();
                var count = SplitFields(text, fields);
                if (count == 0)
                {
                    continue;
                }
                if (count != 5)
                {
                    throw Error(
                        _lineNumber,
                        $"expected an integral line 'value i j k l', found {(count > 5 ? "more than 5" : count)} field(s)");
                }
                var value = ParseValue(text[fields[0]]);
                for (var f = 0; f < 4; f++)
                {
                    index[f] = ParseIndex(text[fields[f + 1]], n);
                }
                var (i, j, k, l) = (index[0], index[1], index[2], index[3]);
                if (i > 0 && j > 0 && k > 0 && l > 0)
                {
                    StoreTwoElectron(twoElectron, n, i - 1, j - 1, k - 1, l - 1, value);
                }
                else if (i > 0 && j > 0 && k == 0 && l == 0)
                {
                    oneElectron[(i - 1) * n + (j - 1)] = value;
                    oneElectron[(j - 1) * n + (i - 1)] = value;
                }
                else if (i > 0 && j == 0 && k == 0 && l == 0)
                {
                    orbitalEnergies ??= new double[n];
                    orbitalEnergies[i - 1] = value;
                }
                else if (i == 0 && j == 0 && k == 0 && l == 0)
                {
                    coreEnergy = value;
                }
                else
                {
                    throw Error(
                        _lineNumber,
                        $"indices {i} {j} {k} {l} fit none of (ij|kl) 'i j k l', h_ij 'i j 0 0', "
                        + "orbital energy 'i 0 0 0' or core energy '0 0 0 0'");
                }
            }

            return new Fcidump
            {
                SourceName = sourceName,
                OrbitalCount = norb,
                ElectronCount = nelec,
                Ms2 = ms2,
                OrbitalSymmetries = orbitalSymmetries,
                StateSymmetry = isym,
                CoreEnergyHartree = coreEnergy,
                OneElectronHartree = oneElectron,
                TwoElectronHartree = twoElectron,
                OrbitalEnergiesHartree = orbitalEnergies,
            };
        }

        private void ValidateElectrons(int norb, int nelec, HeaderEntry nelecEntry, int ms2, HeaderEntry? ms2Entry)
        {
            if (nelec < 0)
            {
                throw Error(nelecEntry.Line, $"NELEC={nelec}: the electron count cannot be negative");
            }
            if (nelec > 2 * norb)
            {
                throw Error(nelecEntry.Line, $"NELEC={nelec} exceeds 2*NORB={2 * norb}: more electrons than spin orbitals");
            }
            var spinLine = ms2Entry?.Line ?? nelecEntry.Line;
            if (ms2 > nelec || ms2 < -nelec)
            {
                throw Error(spinLine, $"MS2={ms2} is impossible with NELEC={nelec}");
            }
            if (((nelec + ms2) & 1) != 0)
            {
                throw Error(
                    spinLine,
                    $"NELEC={nelec} and MS2={ms2} differ in parity: N_alpha - N_beta = MS2 needs NELEC + MS2 even");
            }
            var alpha = (nelec + ms2) / 2;
            var beta = (nelec - ms2) / 2;
            if (alpha > norb || beta > norb)
            {
                throw Error(
                    spinLine,
                    $"NELEC={nelec} with MS2={ms2} puts {Math.Max(alpha, beta)} electrons of one spin into NORB={norb} orbitals");
            }
        }

        private void RefuseUnrestricted(Dictionary<string, HeaderEntry> entries)
        {
            const string Why = "unrestricted FCIDUMP files (separate alpha and beta integrals) are not supported; "
                + "write one from restricted (RHF or ROHF) orbitals";
            if (entries.TryGetValue("UHF", out var uhf) && SingleLogical(uhf))
            {
                throw Error(uhf.Line, $"UHF={uhf.Values[0].Text}: {Why}");
            }
            if (entries.TryGetValue("IUHF", out var iuhf) && SingleInt(iuhf) != 0)
            {
                throw Error(iuhf.Line, $"IUHF={iuhf.Values[0].Text}: {Why}");
            }
        }

        private static void StoreTwoElectron(double[] eri, int n, int i, int j, int k, int l, double value)
        {
            // (ij|kl) = (ji|kl) = (ij|lk) = (ji|lk) = (kl|ij) = (lk|ij) = (kl|ji) = (lk|ji) for real orbitals.
            eri[((i * n + j) * n + k) * n + l] = value;
            eri[((j * n + i) * n + k) * n + l] = value;
            eri[((i * n + j) * n + l) * n + k] = value;
            eri[((j * n + i) * n + l) * n + k] = value;
            eri[((k * n + l) * n + i) * n + j] = value;
            eri[((l * n + k) * n + i) * n + j] = value;
            eri[((k * n + l) * n + j) * n + i] = value;
            eri[((l * n + k) * n + j) * n + i] = value;
        }

        // Every line goes through here: it counts lines and characters, and turns the input stream's refusal (the
        // input limit) into an error at the line being read.
        private string? NextLine()
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (InputLimitException e)
            {
                throw Error(_lineNumber + 1, e.Problem);
            }
            if (line is null)
            {
                return null;
            }
            _lineNumber++;
            _charsRead += line.Length + 1;
            if (_charsRead > lengthBound + 1)
            {
                throw Error(_lineNumber, $"the text is longer than the input limit of {InputLimits.FormatBytes(lengthBound)} "
                    + $"({InputLimits.MaxInputBytesVariable})");
            }
            return line;
        }

        private void AddToken(Token token)
        {
            if (_tokens.Count >= MaxHeaderTokens)
            {
                throw Error(_lineNumber, $"the &FCI namelist has more than {MaxHeaderTokens} values; is its terminator "
                    + "('&END' or '/') missing?");
            }
            _tokens.Add(token);
        }

        private static bool OpensNamelist(string trimmed) =>
            trimmed.Length >= 4
            && (trimmed[0] == '&' || trimmed[0] == '$')
            && trimmed.AsSpan(1, 3).Equals("FCI", StringComparison.OrdinalIgnoreCase)
            && (trimmed.Length == 4 || char.IsWhiteSpace(trimmed[4]) || trimmed[4] == ',');

        // Splits one header line into tokens; true once the namelist terminator has been seen.
        private bool Tokenize(string text)
        {
            var i = 0;
            while (i < text.Length)
            {
                var c = text[i];
                if (char.IsWhiteSpace(c) || c == ',')
                {
                    i++;
                }
                else if (c == '=')
                {
                    AddToken(new Token("=", _lineNumber, TokenKind.EqualsSign));
                    i++;
                }
                else if (c == '/')
                {
                    EnsureNothingAfterTerminator(text, i + 1);
                    return true;
                }
                else if (c == '&' || c == '$')
                {
                    var start = i++;
                    while (i < text.Length && char.IsLetterOrDigit(text[i]))
                    {
                        i++;
                    }
                    var word = text[start..i];
                    if (word.Length == 1 || word.AsSpan(1).Equals("END", StringComparison.OrdinalIgnoreCase))
                    {
                        EnsureNothingAfterTerminator(text, i);
                        return true;
                    }
                    throw Error(_lineNumber, $"unexpected '{word}' inside the &FCI namelist");
                }
                else if (c == '\'' || c == '"')
                {
                    var close = text.IndexOf(c, i + 1);
                    if (close < 0)
                    {
                        throw Error(_lineNumber, "unterminated string in the &FCI namelist");
                    }
                    AddToken(new Token(text[(i + 1)..close], _lineNumber, TokenKind.Word));
                    i = close + 1;
                }
                else
                {
                    var start = i;
                    while (i < text.Length && !IsHeaderDelimiter(text[i]))
                    {
                        i++;
                    }
                    AddToken(new Token(text[start..i], _lineNumber, TokenKind.Word));
                }
            }
            return false;
        }

        private static bool IsHeaderDelimiter(char c) =>
            char.IsWhiteSpace(c) || c is ',' or '=' or '/' or '&' or '$';

        private void EnsureNothingAfterTerminator(string text, int from)
        {
            if (!string.IsNullOrWhiteSpace(text[from..]))
            {
                throw Error(_lineNumber, $"unexpected '{Shorten(text[from..].Trim())}' after the end of the &FCI namelist");
            }
        }

        private Dictionary<string, HeaderEntry> GroupEntries()
        {
            var entries = new Dictionary<string, HeaderEntry>(StringComparer.OrdinalIgnoreCase);
            var t = 0;
            while (t < _tokens.Count)
            {
                var key = _tokens[t];
                if (key.Kind != TokenKind.Word
                    || !char.IsLetter(key.Text[0])
                    || t + 1 >= _tokens.Count
                    || _tokens[t + 1].Kind != TokenKind.EqualsSign)
                {
                    throw Error(key.Line, $"expected KEY=value in the &FCI namelist, found '{Shorten(key.Text)}'");
                }
                t += 2;
                var values = new List<Token>();
                while (t < _tokens.Count
                    && _tokens[t].Kind == TokenKind.Word
                    && !(t + 1 < _tokens.Count && _tokens[t + 1].Kind == TokenKind.EqualsSign))
                {
                    values.Add(_tokens[t++]);
                }
                var name = key.Text.ToUpperInvariant();
                if (values.Count == 0)
                {
                    throw Error(key.Line, $"{name} has no value");
                }
                if (!entries.TryAdd(name, new HeaderEntry(name, key.Line, values)))
                {
                    throw Error(key.Line, $"{name} appears twice in the &FCI namelist");
                }
            }
            return entries;
        }

        private HeaderEntry Required(Dictionary<string, HeaderEntry> entries, string key, int headerLine) =>
            entries.TryGetValue(key, out var entry)
                ? entry
                : throw Error(headerLine, $"the &FCI namelist has no {key}");

        private int SingleInt(HeaderEntry entry)
        {
            if (entry.Values.Count != 1)
            {
                throw Error(entry.Line, $"{entry.Key} takes one integer, found {entry.Values.Count} values");
            }
            return ParseHeaderInt(entry.Key, entry.Values[0]);
        }

        private int ParseHeaderInt(string key, Token token) =>
            int.TryParse(token.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Error(token.Line, $"{key}: expected an integer, found '{Shorten(token.Text)}'");

        private List<int> IntList(HeaderEntry entry)
        {
            var list = new List<int>();
            foreach (var token in entry.Values)
            {
                // Fortran list-directed repeat count: r*value.
                var star = token.Text.IndexOf('*', StringComparison.Ordinal);
                if (star < 0)
                {
                    list.Add(ParseHeaderInt(entry.Key, token));
                    continue;
                }
                var repeat = ParseHeaderInt(entry.Key, token with { Text = token.Text[..star] });
                var value = ParseHeaderInt(entry.Key, token with { Text = token.Text[(star + 1)..] });
                if (repeat < 1 || repeat > MaxOrbitalCount)
                {
                    throw Error(token.Line, $"{entry.Key}: bad repeat count in '{token.Text}'");
                }
                list.AddRange(Enumerable.Repeat(value, repeat));
                if (list.Count > MaxOrbitalCount)
                {
                    throw Error(token.Line, $"{entry.Key} lists more than {MaxOrbitalCount} values, the most orbitals supported");
                }
            }
            return list;
        }

        private bool SingleLogical(HeaderEntry entry)
        {
            if (entry.Values.Count != 1)
            {
                throw Error(entry.Line, $"{entry.Key} takes one logical, found {entry.Values.Count} values");
            }
            var text = entry.Values[0].Text.Trim('.').ToUpperInvariant();
            return text switch
            {
                "T" or "TRUE" => true,
                "F" or "FALSE" => false,
                _ => throw Error(
                    entry.Values[0].Line,
                    $"{entry.Key}: expected a logical (.TRUE. or .FALSE.), found '{Shorten(entry.Values[0].Text)}'"),
            };
        }

        private static int SplitFields(ReadOnlySpan<char> text, Span<Range> fields)
        {
            var count = 0;
            var i = 0;
            while (i < text.Length)
            {
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }
                if (i == text.Length)
                {
                    break;
                }
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    i++;
                }
                if (count == fields.Length)
                {
                    return count + 1;
                }
                fields[count++] = new Range(start, i);
            }
            return count;
        }

        private double ParseValue(ReadOnlySpan<char> text)
        {
            // Fortran writes double-precision exponents with D (1.0D-02); .NET reads only E.
            Span<char> buffer = stackalloc char[Math.Min(text.Length, 128)];
            var parsed = false;
            var value = 0.0;
            if (text.Length <= buffer.Length)
            {
                for (var c = 0; c < text.Length; c++)
                {
                    buffer[c] = text[c] is 'D' or 'd' ? 'E' : text[c];
                }
                parsed = double.TryParse(
                    buffer, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            }
            if (!parsed || !double.IsFinite(value))
            {
                throw Error(_lineNumber, $"bad number '{Shorten(text.ToString())}': expected a finite real such as 1.5E-02 or 1.5D-02");
            }
            return value;
        }

        private int ParseIndex(ReadOnlySpan<char> text, int norb)
        {
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
            {
                throw Error(_lineNumber, $"bad orbital index '{Shorten(text.ToString())}': expected an integer");
            }
            if (index < 0 || index > norb)
            {
                throw Error(_lineNumber, $"orbital index {index} out of range 1..{norb} (NORB={norb})");
            }
            return index;
        }

        private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";

        private FcidumpFormatException Error(int line, string problem) => new(sourceName, line, problem);
    }
}
