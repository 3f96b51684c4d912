using System.Text;
using Microsoft.ML.Tokenizers;

namespace Dataflow.Kernels.Sft;

/// <summary>How <c>{"text": ...}</c> records become token ids.</summary>
public enum SftTokenizerKind
{
    /// <summary>GPT-2's byte-level BPE (Microsoft.ML.Tokenizers with its GPT-2 vocabulary package): 50,257 ids.</summary>
    Gpt2,

    /// <summary>The text's UTF-8 bytes: 256 ids.</summary>
    Bytes,
}

/// <summary>Text to token ids with the tokenizer a job names.</summary>
public sealed class SftTokenizer
{
    /// <summary>GPT-2's vocabulary size (50,000 merges, 256 bytes and &lt;|endoftext|&gt;).</summary>
    public const int Gpt2Vocabulary = 50257;

    private static readonly Lazy<Tokenizer> s_gpt2 = new(() => TiktokenTokenizer.CreateForModel("gpt2"));
    private readonly SftTokenizerKind _kind;

    /// <summary>A tokenizer of <paramref name="kind"/>.</summary>
    public SftTokenizer(SftTokenizerKind kind) => _kind = kind;

    /// <summary>Token ids are in [0, Vocabulary).</summary>
    public int Vocabulary => _kind == SftTokenizerKind.Gpt2 ? Gpt2Vocabulary : 256;

    /// <summary>The ids of <paramref name="text"/>.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _kind == SftTokenizerKind.Gpt2
            ? [.. s_gpt2.Value.EncodeToIds(text)]
            : Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToArray();
    }

    /// <summary>The text of <paramref name="ids"/> (GPT-2 only; a check that encoding lost nothing).</summary>
    public string Decode(IEnumerable<int> ids) => _kind == SftTokenizerKind.Gpt2
        ? s_gpt2.Value.Decode(ids)
        : Encoding.UTF8.GetString(ids.Select(i => (byte)i).ToArray());
}
