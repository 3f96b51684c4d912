using Dataflow.Kernels.Compute;
using static TorchSharp.torch;

namespace Dataflow.Kernels.Har;

/// <summary>A trained action recogniser and the IMFE distilled for it: what <c>dataflow run har-train</c> writes and
/// <c>dataflow run har --model</c> reads.</summary>
/// <remarks>File layout: a BinaryWriter string magic, an int version, the class names, then the two networks' state
/// dictionaries in TorchSharp's format (IMFE first). Version 2 holds the IMFE of 2-pixel encoder cells; a version 1
/// file (4-pixel cells) is refused with its version.</remarks>
public sealed class HarModel : IDisposable
{
    private const string FileMagic = "dataflow-har-model";
    private const int FileVersion = 2;

    /// <summary>Wraps trained networks.</summary>
    public HarModel(ImfeNetwork imfe, ActionRecogniser recogniser, IReadOnlyList<string> classes)
    {
        if (classes.Count != recogniser.Classes)
        {
            throw new ArgumentException($"{classes.Count} class names for a recogniser of {recogniser.Classes} classes", nameof(classes));
        }
        Imfe = imfe;
        Recogniser = recogniser;
        Classes = classes;
    }

    /// <summary>The motion feature network.</summary>
    public ImfeNetwork Imfe { get; }

    /// <summary>The recogniser.</summary>
    public ActionRecogniser Recogniser { get; }

    /// <summary>Action names by label.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Fresh networks from seed <paramref name="seed"/> (libtorch's default initialisation).</summary>
    public static HarModel Create(long seed, IReadOnlyList<string> classes)
    {
        TorchRuntime.LoadNative();
        random.manual_seed(seed);
        return new HarModel(new ImfeNetwork(), new ActionRecogniser(classes.Count), classes);
    }

    /// <summary>Writes the model to <paramref name="stream"/>.</summary>
    public void Save(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(FileMagic);
        writer.Write(FileVersion);
        writer.Write(Classes.Count);
        foreach (var name in Classes)
        {
            writer.Write(name);
        }
        Imfe.save(writer);
        Recogniser.save(writer);
    }

    /// <summary>The model's bytes (to ship with a job).</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        Save(stream);
        return stream.ToArray();
    }

    /// <summary>Reads a model written by <see cref="Save"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Not a model file of this version, or truncated.</exception>
    public static HarModel Load(Stream stream, string source)
    {
        TorchRuntime.LoadNative();
        try
        {
            using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            if (reader.ReadString() != FileMagic || reader.ReadInt32() != FileVersion)
            {
                throw new InvalidDataException($"{source}: not a har model file of version {FileVersion}");
            }
            var count = reader.ReadInt32();
            if (count is < 2 or > 1000)
            {
                throw new InvalidDataException($"{source}: {count} action classes");
            }
            var classes = Enumerable.Range(0, count).Select(_ => reader.ReadString()).ToArray();
            var imfe = new ImfeNetwork();
            imfe.load(reader, strict: true);
            var recogniser = new ActionRecogniser(count);
            recogniser.load(reader, strict: true);
            return new HarModel(imfe, recogniser, classes);
        }
        catch (Exception e) when (e is not InvalidDataException and (EndOfStreamException or IOException or ArgumentException or FormatException
            or InvalidOperationException or NotImplementedException))
        {
            throw new InvalidDataException($"{source}: truncated or corrupt har model file ({e.Message})");
        }
    }

    /// <summary>Reads a model file.</summary>
    public static HarModel Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>Reads a model from <see cref="ToBytes"/>.</summary>
    public static HarModel FromBytes(byte[] bytes, string source)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Load(stream, source);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Imfe.Dispose();
        Recogniser.Dispose();
    }
}
