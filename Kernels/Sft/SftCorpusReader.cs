using System.Text.Json;
using System.Text.Json.Serialization;
using Parquet;
using Parquet.Serialization;
using Parquet.Schema;

namespace Dataflow.Kernels.Sft;

/// <summary>Reads the sequences of an <c>sft</c> job: JSON Lines of <c>{"tokens": [...]}</c> or <c>{"text": "..."}</c>,
/// or a Parquet file with a <c>tokens</c> (list of integers) or <c>text</c> (string) column.</summary>
/// <remarks>Every sequence is checked before any training: a line that is not a JSON object with one of the two
/// fields, a token id outside the vocabulary, an empty sequence, a sequence past the model's context and a file
/// without sequences are each an <see cref="SftInputException"/> naming the file and the line (Parquet: the row).</remarks>
public static class SftCorpusReader
{
    /// <summary>Reads <paramref name="path"/> (Parquet when it ends in <c>.parquet</c>, JSON Lines otherwise).</summary>
    /// <param name="context">Longest sequence accepted, in tokens.</param>
    public static SftCorpus Read(string path, SftTokenizerKind tokenizer, int context)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new SftInputException($"{path}: no such file");
        }
        var t = new SftTokenizer(tokenizer);
        var sequences = path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)
            ? ReadParquet(path, t, context)
            : ReadJsonLines(path, t, context);
        if (sequences.Count == 0)
        {
            throw new SftInputException($"{path}: empty: no sequences (expected {{\"tokens\": [...]}} or {{\"text\": \"...\"}} records)");
        }
        return SftCorpus.Of(Path.GetFileName(path), t.Vocabulary, sequences);
    }

    private static List<int[]> ReadJsonLines(string path, SftTokenizer tokenizer, int context)
    {
        var sequences = new List<int[]>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var where = $"{path}:{number}";
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new SftInputException($"{where}: not JSON ({e.Message})", e);
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw new SftInputException($"{where}: expected a JSON object with \"tokens\" or \"text\", got {root.ValueKind}");
                }
                int[] tokens;
                if (root.TryGetProperty("tokens", out var array))
                {
                    tokens = TokenArray(array, where);
                }
                else if (root.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    tokens = tokenizer.Encode(text.GetString()!);
                }
                else
                {
                    throw new SftInputException($"{where}: expected a \"tokens\" array or a \"text\" string");
                }
                sequences.Add(Checked(tokens, tokenizer.Vocabulary, context, where));
            }
        }
        return sequences;
    }

    private static int[] TokenArray(JsonElement array, string where)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new SftInputException($"{where}: \"tokens\" must be an array of integers");
        }
        var tokens = new int[array.GetArrayLength()];
        var i = 0;
        foreach (var e in array.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out var id))
            {
                throw new SftInputException($"{where}: token {i} is not an integer ({e.GetRawText()})");
            }
            if (id is < 0 or > int.MaxValue)
            {
                throw new SftInputException($"{where}: token id {id} (token {i}) is outside the vocabulary");
            }
            tokens[i++] = (int)id;
        }
        return tokens;
    }

    private static int[] Checked(int[] tokens, int vocabulary, int context, string where)
    {
        if (tokens.Length == 0)
        {
            throw new SftInputException($"{where}: empty sequence");
        }
        if (tokens.Length > context)
        {
            throw new SftInputException($"{where}: {tokens.Length} tokens, past the model's context of {context}");
        }
        for (var i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)vocabulary)
            {
                throw new SftInputException($"{where}: token id {tokens[i]} (token {i}) is outside the vocabulary [0, {vocabulary})");
            }
        }
        return tokens;
    }

    private static List<int[]> ReadParquet(string path, SftTokenizer tokenizer, int context)
    {
        try
        {
            return ReadParquetAsync(path, tokenizer, context).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not SftInputException and (IOException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException))
        {
            throw new SftInputException($"{path}: not a readable Parquet file ({e.Message})", e);
        }
    }

    private static async Task<List<int[]>> ReadParquetAsync(string path, SftTokenizer tokenizer, int context)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream);
        var fields = reader.Schema.GetDataFields();
        var tokensField = fields.FirstOrDefault(f => f.Path.ToString().StartsWith("tokens", StringComparison.Ordinal));
        var textField = fields.FirstOrDefault(f => f.Path.ToString() == "text");
        if (tokensField is null && textField is null)
        {
            throw new SftInputException(
                $"{path}: no \"tokens\" or \"text\" column (columns: {string.Join(", ", fields.Select(f => f.Path.ToString()))})");
        }
        if (tokensField is not null && (tokensField.MaxRepetitionLevel != 1
            || (tokensField.ClrType != typeof(int) && tokensField.ClrType != typeof(long))))
        {
            throw new SftInputException($"{path}: the \"tokens\" column must be a list of integers (is {tokensField.ClrType.Name}, "
                + $"repetition level {tokensField.MaxRepetitionLevel})");
        }
        stream.Position = 0;
        var sequences = new List<int[]>();
        var row = 0;
        if (tokensField is not null)
        {
            // Parquet.Net's object model assembles the lists (repetition and definition levels) for us.
            var lists = tokensField.ClrType == typeof(long)
                ? (await ParquetSerializer.DeserializeAsync<LongTokensRow>(stream)).Data.Select(r => r.Tokens?.ToArray() ?? [])
                : (await ParquetSerializer.DeserializeAsync<IntTokensRow>(stream)).Data.Select(r => r.Tokens?.Select(t => (long)t).ToArray() ?? []);
            foreach (var list in lists)
            {
                row++;
                var where = $"{path}:row {row}";
                var outside = Array.FindIndex(list, id => id is < 0 or > int.MaxValue);
                if (outside >= 0)
                {
                    throw new SftInputException($"{where}: token id {list[outside]} (token {outside}) is outside the vocabulary [0, {tokenizer.Vocabulary})");
                }
                sequences.Add(Checked(list.Select(id => (int)id).ToArray(), tokenizer.Vocabulary, context, where));
            }
        }
        else
        {
            foreach (var r in (await ParquetSerializer.DeserializeAsync<TextRow>(stream)).Data)
            {
                row++;
                if (r.Text is null)
                {
                    throw new SftInputException($"{path}:row {row}: \"text\" is null");
                }
                sequences.Add(Checked(tokenizer.Encode(r.Text), tokenizer.Vocabulary, context, $"{path}:row {row}"));
            }
        }
        return sequences;
    }

    private sealed class LongTokensRow
    {
        [JsonPropertyName("tokens")]
        public List<long>? Tokens { get; set; }
    }

    private sealed class IntTokensRow
    {
        [JsonPropertyName("tokens")]
        public List<int>? Tokens { get; set; }
    }

    private sealed class TextRow
    {
        [JsonPropertyName("text")]
        public string? Text { get; set; }
    }
}
