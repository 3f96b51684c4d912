namespace Dataflow.Actors.Runtime;

/// <summary>The job replicas one host process keeps: the latest checkpoint (or spec) of every running job and the
/// records of ended jobs.</summary>
/// <remarks>It belongs to the process, not to an actor system: a host that the cluster downed (after a long pause or a
/// partition) restarts its actor system and rejoins with the same store, so what it held is not lost with the system.
/// Only the node agent of the current actor system touches it (one actor, one message at a time).</remarks>
public sealed class ReplicaStore
{
    private readonly Dictionary<string, ReplicateCheckpoint> _checkpoints = [];
    private readonly Dictionary<string, JobRecord> _records = [];

    /// <summary>Keeps <paramref name="replica"/> unless a newer one of its job is held or the job ended.</summary>
    public void Keep(ReplicateCheckpoint replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        if (_records.ContainsKey(replica.Spec.JobId))
        {
            return;
        }
        if (!_checkpoints.TryGetValue(replica.Spec.JobId, out var held) || held.Step <= replica.Step)
        {
            _checkpoints[replica.Spec.JobId] = replica;
        }
    }

    /// <summary>Keeps an ended job's record (dropping its checkpoint) and at most <paramref name="retained"/> records.</summary>
    public void Keep(JobRecord record, int retained)
    {
        ArgumentNullException.ThrowIfNull(record);
        _records[record.JobId] = record;
        _checkpoints.Remove(record.JobId);
        Retain(_records, retained);
    }

    /// <summary>Forgets the records that ended earliest until at most <paramref name="retained"/> are left.</summary>
    public static void Retain(Dictionary<string, JobRecord> records, int retained)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var old in records.Values.OrderBy(r => r.EndedUtcTicks).Take(records.Count - retained).ToArray())
        {
            records.Remove(old.JobId);
        }
    }

    /// <summary>Forgets the checkpoint of a job that ended.</summary>
    public void Drop(string jobId) => _checkpoints.Remove(jobId);

    /// <summary>What a coordinator can resume and the records it can serve.</summary>
    public RecoverableJobs Snapshot() => new(_checkpoints.Values.ToArray(), _records.Values.ToArray());
}
