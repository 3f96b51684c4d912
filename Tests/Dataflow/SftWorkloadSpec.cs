using Dataflow.Actors.Runtime;
using Dataflow.Actors.Sft;
using Dataflow.Kernels.Sft;
using Dataflow.Kernels.Train;
using Dataflow.Sft;
using Parquet;
using Parquet.Schema;
using Xunit;

namespace Dataflow.Tests.Dataflow;

/// <summary>The <c>sft</c> workload through the embedded runtime, its DSL and its inputs.</summary>
public sealed class SftWorkloadSpec : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("dataflow-sft-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>Sequences of the learnable walk t' = t + {1, 2, 3} (mod 256), lengths 8 to 200, and two of 300 and 420
    /// tokens that a chunk size of 128 splits into dependent chunks.</summary>
    internal static int[][] WalkSequences(int count)
    {
        var result = new int[count][];
        for (var s = 0; s < count; s++)
        {
            var key = CounterRandom.Key(s, 17);
            var length = s == 3 ? 300 : s == 11 ? 420 : 8 + CounterRandom.Below(key, 0, 193);
            var tokens = new int[length];
            tokens[0] = CounterRandom.Below(key, 1, 256);
            for (var i = 1; i < length; i++)
            {
                tokens[i] = (tokens[i - 1] + 1 + CounterRandom.Below(key, (ulong)(i + 1), 3)) % 256;
            }
            result[s] = tokens;
        }
        return result;
    }

    internal static string WriteJsonLines(string path, int[][] sequences)
    {
        File.WriteAllLines(path, sequences.Select(s => $"{{\"tokens\": [{string.Join(", ", s)}]}}"));
        return path;
    }

    private SftJobBuilder Walk(SftSchedule schedule) => Job.Sft()
        .Data(WriteJsonLines(Path.Combine(_dir.FullName, "walk.jsonl"), WalkSequences(24)))
        .Tokenizer(SftTokenizerKind.Bytes).Schedule(schedule).ChunkSize(128).K(1).Batch(4).LogicalWorkers(2).Seed(3);

    [Fact]
    public async Task Training_on_a_learnable_walk_lowers_the_loss_and_reports_what_it_ran()
    {
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var first = (await cluster.RunAsync(Walk(SftSchedule.ChunkFlow).Steps(1).Build())).As<SftResult>();
        var trained = (await cluster.RunAsync(Walk(SftSchedule.ChunkFlow).Steps(40).LearningRate(1e-2).Build())).As<SftResult>();

        // Untrained: about ln 256 = 5.55 nats; the walk's entropy is ln 3 = 1.10 nats.
        Assert.InRange(first.FinalLoss, 5.3, 5.8);
        Assert.True(trained.FinalLoss < 4.0, $"loss after 40 steps {trained.FinalLoss}");
        Assert.Equal("chunkflow", trained.Schedule);
        Assert.Equal(0.0, trained.PaddingFraction);
        Assert.True(trained.PeakMemoryBytes > 0);
        Assert.True(trained.TokensPerSecond > 0);
        Assert.Equal(40, trained.Steps);
        // 40 steps of 4 of the 24 sequences: the file's order, six times over and a bit.
        var sequences = WalkSequences(24);
        var corpus = SftCorpus.Of("walk.jsonl", 256, sequences);
        var expected = Enumerable.Range(0, 40).Sum(step => corpus.Batch(3, step, 4).Sum(s => (long)s.Length));
        Assert.Equal(expected, trained.Tokens);
    }

    [Fact]
    public async Task The_three_schedules_train_the_same_model()
    {
        // Same arithmetic in another order: the losses agree to float32 rounding, and only the baselines pad.
        await using var cluster = await DataflowCluster.StartEmbeddedAsync();
        var results = new List<SftResult>();
        foreach (var schedule in new[] { SftSchedule.ChunkFlow, SftSchedule.Padded, SftSchedule.Packed })
        {
            results.Add((await cluster.RunAsync(Walk(schedule).Steps(3).Build())).As<SftResult>());
        }
        Assert.All(results, r => Assert.Equal(results[0].Tokens, r.Tokens));
        Assert.All(results, r => Assert.True(Math.Abs(r.FinalLoss - results[0].FinalLoss) < 1e-4, $"{r.Schedule}: {r.FinalLoss} vs {results[0].FinalLoss}"));
        Assert.True(results[0].RecomputedChunks > 0, "the 300- and 420-token sequences are split into chunks, K = 1 recomputes");
        Assert.True(results[1].PaddingFraction > 0.1);
        Assert.True(results[2].PaddingFraction > 0);
    }

    [Fact]
    public async Task A_parquet_tokens_column_is_read_as_the_same_sequences_as_json_lines()
    {
        var sequences = WalkSequences(10);
        var parquet = Path.Combine(_dir.FullName, "walk.parquet");
        // int64 elements, as pandas and pyarrow write Python integers.
        var field = new DataField<long>("element");
        var schema = new ParquetSchema(new ListField("tokens", field));
        await using (var stream = File.Create(parquet))
        {
            await using var writer = await ParquetWriter.CreateAsync(schema, stream);
            using var group = writer.CreateRowGroup();
            var values = sequences.SelectMany(s => s.Select(t => (long?)t)).ToArray();
            var levels = sequences.SelectMany(s => s.Select((_, i) => i == 0 ? 0 : 1)).ToArray();
            await group.WriteAsync<long>(schema.DataFields[0], values.AsMemory(), levels.AsMemory());
        }
        var fromParquet = SftCorpusReader.Read(parquet, SftTokenizerKind.Bytes, 16384);
        var fromJson = SftCorpusReader.Read(WriteJsonLines(Path.Combine(_dir.FullName, "walk.jsonl"), sequences), SftTokenizerKind.Bytes, 16384);
        Assert.Equal(fromJson.Lengths, fromParquet.Lengths);
        Assert.Equal(fromJson.Tokens, fromParquet.Tokens);
        Assert.Equal(sequences.Select(s => s.Length), fromParquet.Lengths);
    }

    [Fact]
    public void Text_is_tokenized_with_gpt2s_vocabulary()
    {
        // GPT-2's ids, as Hugging Face's GPT2Tokenizer gives them: "Hello" 15496, " world" 995, "!" 0.
        var path = Path.Combine(_dir.FullName, "text.jsonl");
        File.WriteAllLines(path, ["{\"text\": \"Hello world!\"}", "", "{\"tokens\": [50256, 15496]}"]);
        var corpus = SftCorpusReader.Read(path, SftTokenizerKind.Gpt2, 16384);
        Assert.Equal(50257, corpus.Vocabulary);
        Assert.Equal([3, 2], corpus.Lengths);
        Assert.Equal([15496, 995, 0, 50256, 15496], corpus.Tokens);
        Assert.Equal("Hello world!", new SftTokenizer(SftTokenizerKind.Gpt2).Decode([15496, 995, 0]));
    }

    [Theory]
    [InlineData("{\"tokens\": [1, 2]}\nnot json\n", ":2: not JSON")]
    [InlineData("{\"tokens\": [1, 2]}\n\n{\"tokens\": [3, 256]}\n", ":3: token id 256 (token 1) is outside the vocabulary [0, 256)")]
    [InlineData("{\"tokens\": []}\n", ":1: empty sequence")]
    [InlineData("[1, 2, 3]\n", ":1: expected a JSON object")]
    [InlineData("{\"ids\": [1]}\n", ":1: expected a \"tokens\" array or a \"text\" string")]
    [InlineData("\n\n", ": empty: no sequences")]
    public void Bad_files_name_the_file_and_line(string content, string expected)
    {
        var path = Path.Combine(_dir.FullName, "bad.jsonl");
        File.WriteAllText(path, content);
        var e = Assert.Throws<SftInputException>(() => Job.Sft().Data(path).Tokenizer(SftTokenizerKind.Bytes).Build());
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_dsl_builds_the_spec_the_workload_validates()
    {
        var job = Job.Sft().Synthetic(SyntheticMix.ChatQa2).Model(SftModelSize.Small).ChunkSize(1024).K(3).Batch(6)
            .LogicalWorkers(3).Steps(7).Seed(9).Build();
        var spec = job.ToSpec("j1");
        Assert.Equal("sft", spec.Workload);
        var decoded = Workload.Decode<SftJobSpec>(spec);
        Assert.Equal(SftModelConfig.Small(256), decoded.Settings.Model);
        Assert.Equal((1024, 3, 6, 3, 9L), (decoded.Settings.ChunkSize, decoded.Settings.Keep, decoded.Settings.GlobalBatch,
            decoded.Settings.LogicalWorkers, decoded.Settings.Seed));
        Assert.Equal(SyntheticMix.ChatQa2, decoded.Corpus.Synthetic);
        new SftWorkload().Validate(spec);
    }

    [Fact]
    public void Synthetic_mixes_have_the_published_shapes()
    {
        // LMSysChat1M: 87 % under 1K tokens; ChatQA2-Long-SFT: 22 % under 1K (the issue's figures), within sampling error.
        double Under1K(SyntheticMix mix) =>
            Enumerable.Range(0, 20000).Count(i => SyntheticSequences.Length(mix, 1, i) < 1024) / 20000.0;
        Assert.InRange(Under1K(SyntheticMix.Lmsys), 0.86, 0.88);
        Assert.InRange(Under1K(SyntheticMix.ChatQa2), 0.21, 0.23);
        var lmsys = Enumerable.Range(0, 20000).Select(i => SyntheticSequences.Length(SyntheticMix.Lmsys, 1, i)).Order().ToArray();
        Assert.Equal(16, lmsys[0]);
        Assert.Equal(16384, lmsys[^1]);
        Assert.InRange(lmsys[^1] / (double)lmsys[lmsys.Length / 2], 200, 300);
    }

    [Theory]
    [InlineData(0, 0L, "--chunk-size must be in [1, 16384]")]
    [InlineData(16385, 0L, "--chunk-size must be in [1, 16384]")]
    [InlineData(2048, 1024L, "--memory-budget 1024 bytes is below one chunk's need")]
    public void Bad_options_name_the_option(int chunkSize, long budget, string expected)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Job.Sft().ChunkSize(chunkSize).MemoryBudget(budget).Build());
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
