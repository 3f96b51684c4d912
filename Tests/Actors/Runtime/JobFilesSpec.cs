using Dataflow.Actors.Runtime;
using Xunit;

namespace Dataflow.Tests.Actors.Runtime;

/// <summary>What a host sends of a job's folder under its work directory: regular files directly inside it, never a
/// link, a subfolder or a half-written temporary, the newest first within the size bound, the rest counted.</summary>
public sealed class JobFilesSpec : IDisposable
{
    private const string Node = "127.0.0.1:4053";
    private const string Job = "train-20261205093000-1a2b3c";
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("fetch-jobfiles-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Work => Path.Combine(_root.FullName, "work");

    private string JobFolder => Path.Combine(Work, Job);

    private byte[] Write(string name, int length, int minutesAgo)
    {
        var bytes = Enumerable.Range(0, length).Select(i => (byte)(i * 7 + name.Length)).ToArray();
        var path = Path.Combine(JobFolder, name);
        Directory.CreateDirectory(JobFolder);
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-minutesAgo));
        return bytes;
    }

    [Fact]
    public void Sends_only_regular_files_inside_the_folder_ordered_by_name()
    {
        var older = Write("step-00000010.ckpt", 100, minutesAgo: 5);
        var newer = Write("step-00000020.ckpt", 100, minutesAgo: 1);
        var secret = Path.Combine(_root.FullName, "secret");
        File.WriteAllText(secret, "outside the job's folder");
        File.CreateSymbolicLink(Path.Combine(JobFolder, "link.ckpt"), secret);
        Directory.CreateDirectory(Path.Combine(JobFolder, "sub"));
        File.WriteAllText(Path.Combine(JobFolder, "sub", "inner.ckpt"), "in a subfolder");
        File.WriteAllText(Path.Combine(JobFolder, "step-00000030.ckpt.42.abc.tmp"), "half written");
        File.WriteAllBytes(Path.Combine(JobFolder, "empty.ckpt"), []);

        var reply = JobFiles.ReadKept(Work, Node, new FetchJobFiles(Job, []), long.MaxValue);

        Assert.Null(reply.Error);
        Assert.Equal(Node, reply.Node);
        Assert.Equal(["step-00000010.ckpt", "step-00000020.ckpt"], reply.Names);
        Assert.Equal(older, reply.Contents[0]);
        Assert.Equal(newer, reply.Contents[1]);
        Assert.True(reply.ModifiedUtcTicks[1] > reply.ModifiedUtcTicks[0]);
        Assert.Equal(0, reply.LeftOut);
    }

    [Fact]
    public void Files_beyond_the_bound_are_left_out_newest_first_and_come_in_a_later_round()
    {
        Write("step-00000000.ckpt", 1000, minutesAgo: 9);
        var middle = Write("step-00000010.ckpt", 1000, minutesAgo: 5);
        var newest = Write("step-00000020.ckpt", 1000, minutesAgo: 1);
        const long bound = 2100; // two files with their names and overhead, not three

        var first = JobFiles.ReadKept(Work, Node, new FetchJobFiles(Job, []), bound);
        Assert.Equal(["step-00000010.ckpt", "step-00000020.ckpt"], first.Names);
        Assert.Equal([middle, newest], first.Contents);
        Assert.Equal(1, first.LeftOut);

        var second = JobFiles.ReadKept(Work, Node, new FetchJobFiles(Job, first.Names), bound);
        Assert.Equal(["step-00000000.ckpt"], second.Names);
        Assert.Equal(0, second.LeftOut);

        // A file larger than the bound never comes; it is counted every round.
        var tiny = JobFiles.ReadKept(Work, Node, new FetchJobFiles(Job, []), 500);
        Assert.Empty(tiny.Names);
        Assert.Equal(3, tiny.LeftOut);
    }

    [Fact]
    public void A_bad_id_a_linked_folder_and_no_work_directory_are_refused_and_no_folder_is_no_files()
    {
        Assert.Contains("not a folder name", JobFiles.ReadKept(Work, Node, new FetchJobFiles("../x", []), long.MaxValue).Error);
        Assert.Contains("no work directory", JobFiles.ReadKept("", Node, new FetchJobFiles(Job, []), long.MaxValue).Error);

        var missing = JobFiles.ReadKept(Work, Node, new FetchJobFiles(Job, []), long.MaxValue);
        Assert.Null(missing.Error);
        Assert.Empty(missing.Names);

        var elsewhere = Directory.CreateDirectory(Path.Combine(_root.FullName, "elsewhere")).FullName;
        File.WriteAllText(Path.Combine(elsewhere, "step-00000010.ckpt"), "not the job's");
        Directory.CreateDirectory(Work);
        Directory.CreateSymbolicLink(JobFolder, elsewhere);
        var linked = JobFiles.ReadKept(Work, Node, new FetchJobFiles(Job, []), long.MaxValue);
        Assert.Contains("symbolic link", linked.Error);
        Assert.Empty(linked.Names);
    }
}
