namespace Dataflow.Kernels.Md.Script;

/// <summary>One command line of a script after joining <c>&amp;</c> continuations: its text (comments kept, variables
/// not yet substituted, since LAMMPS substitutes when the line runs) and where it starts.</summary>
/// <param name="FileName">The script's name, for messages.</param>
/// <param name="Line">1-based line the command starts on.</param>
/// <param name="Text">The joined text.</param>
public sealed record ScriptLine(string FileName, int Line, string Text)
{
    /// <summary>The lines of a script's text: a line whose last printable character is <c>&amp;</c> continues on the
    /// next (LAMMPS input.cpp, <c>Input::file</c>).</summary>
    public static IReadOnlyList<ScriptLine> Split(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var raw = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var lines = new List<ScriptLine>();
        for (var i = 0; i < raw.Length; i++)
        {
            var start = i;
            var joined = raw[i].TrimEnd();
            while (joined.EndsWith('&') && i + 1 < raw.Length)
            {
                i++;
                joined = joined[..^1] + " " + raw[i].TrimEnd();
            }
            if (joined.EndsWith('&'))
            {
                joined = joined[..^1];
            }
            lines.Add(new ScriptLine(fileName, start + 1, joined));
        }
        return lines;
    }
}
