namespace Dataflow.Host;

/// <summary>A file or directory a <c>run</c> writes (<c>--json</c>, <c>--dump</c>, <c>--plot</c>, a checkpoint
/// directory), checked before the job runs so that a typo does not lose a finished job's result.</summary>
/// <param name="Option">The option's name, without dashes.</param>
/// <param name="Path">The path as given.</param>
/// <param name="IsDirectory">Whether the option names a directory (checkpoints) rather than a file.</param>
/// <param name="CreatesDirectories">Whether the writer creates missing parent directories (else they must exist).</param>
internal sealed record OutputPath(string Option, string Path, bool IsDirectory = false, bool CreatesDirectories = false)
{
    /// <summary>Throws a <see cref="UsageException"/> naming the option and the path when this process cannot write
    /// there: a file path that is a directory (or the reverse), a missing directory, no permission, a read-only or
    /// virtual file system. Creates nothing.</summary>
    public void Check()
    {
        string full;
        try
        {
            full = System.IO.Path.GetFullPath(Path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw Refused(e.Message);
        }
        if (IsDirectory ? File.Exists(full) : Directory.Exists(full))
        {
            throw Refused(IsDirectory ? "is a file, not a directory" : "is a directory; expected a file name");
        }
        var directory = IsDirectory ? full : System.IO.Path.GetDirectoryName(full) ?? full;
        var existing = directory;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                throw Refused($"{existing} is a file, not a directory");
            }
            if (!CreatesDirectories)
            {
                throw Refused($"directory {directory} does not exist");
            }
            existing = System.IO.Path.GetDirectoryName(existing) ?? throw Refused("no existing directory above it");
        }
        try
        {
            // A probe file that disappears on close: permission, a read-only mount and /proc all refuse it.
            var probe = System.IO.Path.Combine(existing, $".dataflow-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
            if (!IsDirectory && File.Exists(full))
            {
                using var existingFile = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The runtime's message names the probe file, not what the user gave: say what failed in their terms.
            throw Refused(e is UnauthorizedAccessException
                ? $"cannot create files in {existing}: permission denied"
                : $"cannot create files in {existing} (a read-only or virtual file system?)");
        }
    }

    private UsageException Refused(string why) => new($"--{Option} {Path}: {why}");
}
