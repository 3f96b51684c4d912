namespace Dataflow.Actors.Runtime;

/// <summary>Where job output files go: a host writes them only under its work directory, one folder per job
/// (<c>&lt;work-dir&gt;/&lt;job-id&gt;/</c>); a client writes what it receives only under directories its user named.
/// No path ever travels in a job spec.</summary>
public static class JobFiles
{
    /// <summary>The <see cref="JobOutput.Stream"/> of a job's checkpoints, sent to the client when the job asked for
    /// checkpoint files.</summary>
    public const string CheckpointStream = "checkpoint";

    /// <summary>Longest job id that names a folder.</summary>
    public const int MaxJobIdLength = 200;

    /// <summary>Whether <paramref name="jobId"/> can name a folder on any host: ASCII letters, digits, '.', '_' and
    /// '-', not starting with '.', at most <see cref="MaxJobIdLength"/> characters.</summary>
    public static bool IsSafeJobId(string? jobId) =>
        jobId is { Length: > 0 and <= MaxJobIdLength } && jobId[0] != '.' &&
        jobId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>Why <paramref name="jobId"/> is refused, or null when it is a safe folder name.</summary>
    public static string? Refusal(string? jobId) => IsSafeJobId(jobId)
        ? null
        : $"job id '{jobId}' is not a folder name: use 1 to {MaxJobIdLength} ASCII letters, digits, '.', '_' or '-', not starting with '.'";

    /// <summary>The folder of job <paramref name="jobId"/> under <paramref name="root"/>.</summary>
    /// <exception cref="ArgumentException">The job id could name a path outside <paramref name="root"/>.</exception>
    public static string JobFolder(string root, string jobId) =>
        Refusal(jobId) is { } refusal ? throw new ArgumentException(refusal, nameof(jobId)) : Path.Combine(root, jobId);

    /// <summary>Whether <paramref name="name"/> can name a file directly inside a job's folder: the rule of
    /// <see cref="IsSafeJobId"/> (no separator, never <c>.</c> or <c>..</c>).</summary>
    public static bool IsSafeFileName(string? name) => IsSafeJobId(name);

    /// <summary>Bytes a reply spends on each file besides its contents (its name's length comes on top).</summary>
    private const long PerFileBytes = 32;

    /// <summary>Reads the files job <paramref name="request"/> left in its folder under <paramref name="workDirectory"/>
    /// for a client: only non-empty regular files directly inside it (no symbolic link, no subfolder, no half-written
    /// temporary), the newest first, as many as fit in <paramref name="maxBytes"/>.</summary>
    /// <param name="workDirectory">This node's <c>dataflow.work-dir</c>; empty when it keeps no files.</param>
    /// <param name="node">This node (<c>host:port</c>), named in the reply.</param>
    /// <param name="request">The job and the names already received.</param>
    /// <param name="maxBytes">What the reply may carry (a remoting frame less its envelope).</param>
    public static JobFilesReply ReadKept(string workDirectory, string node, FetchJobFiles request, long maxBytes)
    {
        JobFilesReply Refused(string error) => new(request.JobId, node, [], [], [], 0, error);
        if (Refusal(request.JobId) is { } refusal)
        {
            return Refused(refusal);
        }
        if (workDirectory.Length == 0)
        {
            return Refused($"{node} keeps no job files (it has no work directory)");
        }
        var folder = new DirectoryInfo(JobFolder(workDirectory, request.JobId));
        if (folder.LinkTarget is not null)
        {
            return Refused($"{node}: the job's folder is a symbolic link; it is not followed");
        }
        if (!folder.Exists)
        {
            return new(request.JobId, node, [], [], [], 0, null);
        }
        var skip = request.Skip.ToHashSet(StringComparer.Ordinal);
        // Special files (a FIFO, a device) report length 0 and could block a read: only files with contents are sent.
        var candidates = folder.EnumerateFiles("*", new EnumerationOptions
            {
                RecurseSubdirectories = false,
                AttributesToSkip = FileAttributes.ReparsePoint,
                IgnoreInaccessible = true,
                MatchType = MatchType.Simple,
            })
            .Where(f => f.LinkTarget is null && f.Length > 0 && IsSafeFileName(f.Name) &&
                        !f.Name.EndsWith(".tmp", StringComparison.Ordinal) && !skip.Contains(f.Name))
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .ThenByDescending(f => f.Name, StringComparer.Ordinal)
            .ToArray();
        var chosen = new List<(string Name, byte[] Contents, long Ticks)>();
        var left = maxBytes;
        var leftOut = 0;
        foreach (var file in candidates)
        {
            if (file.Length + file.Name.Length + PerFileBytes > left)
            {
                leftOut++;
                continue;
            }
            byte[] contents;
            try
            {
                contents = File.ReadAllBytes(file.FullName);
            }
            catch (FileNotFoundException)
            {
                // Replaced or removed since it was listed.
                continue;
            }
            var cost = contents.LongLength + file.Name.Length + PerFileBytes;
            if (cost > left)
            {
                leftOut++;
                continue;
            }
            left -= cost;
            chosen.Add((file.Name, contents, file.LastWriteTimeUtc.Ticks));
        }
        chosen.Sort((a, b) => StringComparer.Ordinal.Compare(a.Name, b.Name));
        return new(request.JobId, node, [.. chosen.Select(c => c.Name)], [.. chosen.Select(c => c.Contents)],
            [.. chosen.Select(c => c.Ticks)], leftOut, null);
    }

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/> through a temporary file renamed over it, so
    /// that a reader never sees half a file; creates the folder.</summary>
    public static void WriteAtomically(string path, byte[] data)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = $"{full}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(data);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
