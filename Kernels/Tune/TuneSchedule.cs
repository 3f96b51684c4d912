using System.Globalization;

namespace Dataflow.Kernels.Tune;

/// <summary>One point of a tunable kernel's schedule space: the knobs a kernel reads for its loop nest.</summary>
/// <remarks>
/// Every operator reads a subset (see <see cref="ScheduleSpace"/>); the knobs it ignores are 0, so that a schedule
/// has one canonical <see cref="Key"/>. Knobs: <see cref="TileRows"/>, <see cref="TileCols"/> and
/// <see cref="TileInner"/> block the loops for cache; <see cref="Unroll"/> is the register block (rows of a matrix
/// product computed together, or independent accumulators of a sum); <see cref="Vector"/> is 0 for scalar code,
/// else the number of <see cref="System.Numerics.Vector{T}"/> registers per row of the register block;
/// <see cref="LoopOrder"/> picks a loop nest; <see cref="Chunk"/> is the work of one parallel task (rows, channels
/// or atoms) and <see cref="Threads"/> the tasks run at once.
/// </remarks>
public sealed record TuneSchedule(
    int TileRows = 0,
    int TileCols = 0,
    int TileInner = 0,
    int Unroll = 0,
    int Vector = 0,
    int LoopOrder = 0,
    int Chunk = 0,
    int Threads = 1)
{
    /// <summary>The knobs in a fixed order, as the cost model's features and the log's key read them.</summary>
    public int[] Knobs => [TileRows, TileCols, TileInner, Unroll, Vector, LoopOrder, Chunk, Threads];

    /// <summary>A stable text key, <c>t8x64x128-u4-v2-o0-c16-p2</c>: equal schedules have equal keys.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture,
        $"t{TileRows}x{TileCols}x{TileInner}-u{Unroll}-v{Vector}-o{LoopOrder}-c{Chunk}-p{Threads}");

    /// <summary>Parses <see cref="Key"/>.</summary>
    /// <exception cref="FormatException">The text is not a schedule key.</exception>
    public static TuneSchedule Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('-');
        if (parts.Length != 6 || parts[0].Length < 2 || parts[0][0] != 't')
        {
            throw new FormatException($"'{key}' is not a schedule key (expected t<rows>x<cols>x<inner>-u<n>-v<n>-o<n>-c<n>-p<n>)");
        }
        var tiles = parts[0][1..].Split('x');
        if (tiles.Length != 3)
        {
            throw new FormatException($"'{key}' is not a schedule key: its tile part needs three sizes");
        }
        int Number(string text, string what) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new FormatException($"'{key}' is not a schedule key: bad {what} '{text}'");
        int Knob(string part, char tag, string what) =>
            part.Length >= 2 && part[0] == tag
                ? Number(part[1..], what)
                : throw new FormatException($"'{key}' is not a schedule key: expected '{tag}<n>' for {what}, found '{part}'");
        return new TuneSchedule(
            Number(tiles[0], "tile rows"), Number(tiles[1], "tile cols"), Number(tiles[2], "tile inner"),
            Knob(parts[1], 'u', "unroll"), Knob(parts[2], 'v', "vector"), Knob(parts[3], 'o', "loop order"),
            Knob(parts[4], 'c', "chunk"), Knob(parts[5], 'p', "threads"));
    }

    /// <inheritdoc />
    public override string ToString() => Key;
}
