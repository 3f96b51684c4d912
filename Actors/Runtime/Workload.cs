using Akka.Actor;
using MessagePack;
using Dataflow.Actors.Runtime.Serialization;

namespace Dataflow.Actors.Runtime;

/// <summary>A job kind (a CLI verb): validates its spec and makes its driver and stage actors.</summary>
public abstract class Workload
{
    /// <summary>The verb, e.g. <c>train</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The type of the workload's payload in <see cref="JobSpec.Payload"/> (a MessagePack contract).</summary>
    public abstract Type PayloadType { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the invalid field of the spec.</summary>
    public abstract void Validate(JobSpec spec);

    /// <summary>The driver (a <see cref="JobDriver"/>): runs on the coordinator's node, owns the job's state and
    /// checkpoints; <paramref name="start"/> holds the checkpoint to resume from, if any.</summary>
    public abstract Props DriverProps(JobStart start);

    /// <summary>The driver of <paramref name="spec"/> for <paramref name="client"/>, resuming from
    /// <paramref name="recovered"/> when given.</summary>
    public Props DriverProps(JobSpec spec, IActorRef client, ReplicateCheckpoint? recovered) =>
        DriverProps(new JobStart(spec, client, recovered));

    /// <summary>The stage actor one node hosts for the job; it computes the work of the logical workers placed there.</summary>
    public abstract Props StageProps(JobSpec spec, string node);

    /// <summary>Options for workload payloads inside <see cref="JobSpec"/> (no actor references inside).</summary>
    public static readonly MessagePackSerializerOptions PayloadOptions = MessagePackAkkaSerializer.CreateOptions(null);

    /// <summary>Decodes a workload payload; a malformed one is reported as an invalid job.</summary>
    public static T Decode<T>(JobSpec spec)
    {
        try
        {
            return MessagePackSerializer.Deserialize<T>(spec.Payload, PayloadOptions);
        }
        catch (MessagePackSerializationException e)
        {
            throw new ArgumentException($"job {spec.JobId}: malformed {spec.Workload} spec: {e.Message}", nameof(spec));
        }
    }

    /// <summary>Encodes a workload payload.</summary>
    public static byte[] Encode<T>(T payload) => MessagePackSerializer.Serialize(payload, PayloadOptions);
}

/// <summary>The workloads this build knows, by verb.</summary>
public static class Workloads
{
    private static readonly Dictionary<string, Workload> s_byName = new(StringComparer.Ordinal);

    static Workloads()
    {
        Register(new Train.TrainWorkload());
        Register(new Fci.FciWorkload());
        Register(new Md.MdWorkload());
        Register(new Nqs.NqsWorkload());
        Register(new Tune.TuneWorkload());
        Register(new Har.HarWorkload());
        Register(new Har.HarTrainWorkload());
        Register(new Sft.SftWorkload());
        Register(new Fl.FlWorkload());
        Register(new DpTrain.DpTrainWorkload());
    }

    /// <summary>Adds a workload (later registrations replace earlier ones of the same name) and allows its assembly's
    /// messages and its payload type on the wire.</summary>
    public static void Register(Workload workload)
    {
        // Its messages and payload may now travel (the serializer decodes nothing else).
        MessagePackAkkaSerializer.AllowMessagesOf(workload.GetType().Assembly);
        MessagePackAkkaSerializer.Allow(workload.PayloadType);
        lock (s_byName)
        {
            s_byName[workload.Name] = workload;
        }
    }

    /// <summary>The workload named <paramref name="name"/>, or null.</summary>
    public static Workload? Find(string name)
    {
        lock (s_byName)
        {
            return s_byName.GetValueOrDefault(name);
        }
    }

    /// <summary>Names of all registered workloads.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            lock (s_byName)
            {
                return s_byName.Keys.Order(StringComparer.Ordinal).ToArray();
            }
        }
    }
}
