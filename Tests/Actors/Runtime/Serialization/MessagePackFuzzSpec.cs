using System.Runtime.Serialization;
using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Runtime.Serialization;
using Dataflow.Tests.Support;
using MessagePack;
using Xunit;
using Xunit.Abstractions;

namespace Dataflow.Tests.Actors.Runtime.Serialization;

/// <summary><see cref="MessagePackAkkaSerializer.FromBinary"/> with the project's manifests on generated mutations of
/// the golden bytes: a malformed message is refused with a <see cref="T:MessagePack.MessagePackSerializationException"/> or
/// <see cref="SerializationException"/>, never an <see cref="IndexOutOfRangeException"/>,
/// <see cref="NullReferenceException"/>, <see cref="OutOfMemoryException"/> or the like, and no case allocates more
/// than a bound.</summary>
public sealed class MessagePackFuzzSpec(WireFormatSpec.SystemFixture fixture, ITestOutputHelper output)
    : IClassFixture<WireFormatSpec.SystemFixture>
{
    // The golden bytes of every type the serializer decodes, by manifest (the type's full name); checkpoint bodies,
    // envelopes and legacy formats are not messages (the serializer refuses their manifests).
    private static (string Manifest, byte[] Bytes)[] Golden() => Directory.GetFiles(GoldenFiles.Directory, "*.hex")
        .Select(Path.GetFileName)
        .Where(name => !name!.StartsWith("Legacy.", StringComparison.Ordinal) && !name.EndsWith(".envelope.hex", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(name => (Manifest: "Dataflow." + name![..^".hex".Length], Bytes: GoldenFiles.Read(name)!))
        .Where(g => MessagePackAkkaSerializer.IsAllowed(g.Manifest))
        .ToArray();

    [Fact]
    public void Mutated_golden_bytes_raise_only_serialization_exceptions()
    {
        // The serializer's allow-list is complete once an actor system started (the fixture's) and the workloads registered.
        var serializer = new MessagePackAkkaSerializer(fixture.System);
        Assert.NotEmpty(Workloads.Names);
        var golden = Golden();
        Assert.True(golden.Length > 50, $"only {golden.Length} golden files of allowed types found in {GoldenFiles.Directory}");
        // Every golden file decodes as it is.
        foreach (var (manifest, bytes) in golden)
        {
            Assert.NotNull(serializer.FromBinary(bytes, manifest));
        }
        var (cases, refused) = Fuzzer.Run(output, "messagepack", seed: 20251205, maxCases: 6000, maxTime: TimeSpan.FromSeconds(6),
            random =>
            {
                var (manifest, bytes) = golden[random.Next(golden.Length)];
                return (Manifest: manifest, Bytes: Fuzzer.MutateBytes(bytes, random));
            },
            input => serializer.FromBinary(input.Bytes, input.Manifest),
            IsFormatError,
            input => $"{input.Manifest} {Convert.ToHexString(input.Bytes)}",
            maxAllocatedBytes: 64L << 20);
        Assert.True(cases >= 100, $"only {cases} cases ran");
        Assert.InRange(refused, 1, cases);
    }

    /// <summary>Cases the fuzzing found, decoded as every allowed message type: a str32 whose length is beyond
    /// <c>int.MaxValue</c>, and an int64 where an int32 (or any narrower field) is due.</summary>
    [Theory]
    [InlineData("9345DBA373CB39A3733230")]
    [InlineData("93D37FFFFFFFFFFFFFFFD37FFFFFFFFFFFFFFFD37FFFFFFFFFFFFFFF")]
    public void Found_cases_are_refused_as_format_errors_by_every_message_type(string hex)
    {
        var serializer = new MessagePackAkkaSerializer(fixture.System);
        Assert.NotEmpty(Workloads.Names);
        var bytes = Convert.FromHexString(hex);
        foreach (var (manifest, _) in Golden())
        {
            try
            {
                serializer.FromBinary(bytes, manifest);
            }
            catch (Exception e)
            {
                Assert.True(IsFormatError(e), $"{manifest}: {e}");
            }
        }
    }

    // MessagePack wraps what a formatter throws in a MessagePackSerializationException; the cause must be a format
    // error too, not a crash of decoding code. MessagePack's own reader and formatters check ranges with .NET's
    // exceptions (an int64 where an int32 is due: OverflowException; a str32 length beyond int: ArgumentOutOfRange),
    // so those are format errors when MessagePack threw them (the first frame of their stack trace is in MessagePack;
    // TargetSite may name the formatter that inlined it) and crashes when this project's code did.
    private static bool IsFormatError(Exception e)
    {
        if (e is not (MessagePackSerializationException or SerializationException))
        {
            return false;
        }
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is IndexOutOfRangeException or NullReferenceException or OutOfMemoryException or InvalidCastException
                or StackOverflowException or AccessViolationException)
            {
                return false;
            }
            // Thrown while MessagePack's reader checked the input: the first frame outside the base library (which
            // MessagePack calls, e.g. ReadOnlySequence.Slice for a bin length past the end) is MessagePack's.
            var thrownByMessagePack = inner.StackTrace?.Split('\n').Select(f => f.TrimStart())
                .FirstOrDefault(f => !f.StartsWith("at System.", StringComparison.Ordinal))
                ?.StartsWith("at MessagePack.", StringComparison.Ordinal) == true;
            if (inner is ArgumentException or OverflowException && !thrownByMessagePack)
            {
                return false;
            }
        }
        return true;
    }
}
