using System.Reflection;
using Akka.Actor;
using Dataflow.Actors.Fci;
using Dataflow.Actors.Md;
using Dataflow.Actors.Nqs;
using Dataflow.Actors.Runtime;
using Dataflow.Actors.Train;
using MessagePack;

namespace Dataflow.Tests.Actors.Runtime.Serialization;

/// <summary>Every type whose MessagePack bytes leave a process: the messages, the job payloads and the checkpoints,
/// and every type they carry.</summary>
internal static class WireTypes
{
    /// <summary>The job payload (<see cref="JobSpec.Payload"/>) of each workload this project ships, by verb
    /// (workloads registered by tests, such as the pi example, are not this project's wire).</summary>
    public static IReadOnlyDictionary<string, Type> Payloads => Workloads.Names
        .Select(n => Workloads.Find(n)!)
        .Where(w => w.GetType().Assembly == typeof(Workload).Assembly)
        .ToDictionary(w => w.Name, w => w.PayloadType);

    /// <summary>The MessagePack checkpoints (train's is its own binary format, see <c>TrainCheckpoint</c>).</summary>
    public static readonly IReadOnlyList<Type> Checkpoints = [typeof(NqsCheckpoint), typeof(MdCheckpoint)];

    /// <summary>Concrete <see cref="IDataflowMessage"/> types of the runtime and client assemblies.</summary>
    public static IEnumerable<Type> Messages() =>
        typeof(IDataflowMessage).Assembly.GetTypes()
            .Concat(typeof(global::Dataflow.DataflowCluster).Assembly.GetTypes())
            .Where(t => typeof(IDataflowMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false });

    /// <summary>Types marked <c>[MessagePackObject]</c> in the runtime and kernel assemblies, wherever they travel.</summary>
    public static IEnumerable<Type> Contracts() =>
        typeof(IDataflowMessage).Assembly.GetTypes()
            .Concat(typeof(global::Dataflow.Kernels.Train.TrainSettings).Assembly.GetTypes())
            .Where(t => t.GetCustomAttribute<MessagePackObjectAttribute>() is not null);

    /// <summary>The roots (messages, payloads, checkpoints and every contract type) and every type reachable from their
    /// members, ordered by full name.</summary>
    public static IReadOnlyList<Type> All()
    {
        var found = new HashSet<Type>();
        var pending = new Stack<Type>(Messages().Concat(Payloads.Values).Concat(Checkpoints).Concat(Contracts()));
        while (pending.TryPop(out var type))
        {
            if (IsLeaf(type) || !found.Add(type))
            {
                continue;
            }
            foreach (var member in MemberTypes(type))
            {
                foreach (var carried in Unwrap(member))
                {
                    pending.Push(carried);
                }
            }
        }
        return found.OrderBy(t => t.FullName, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Types MessagePack writes with built-in or runtime formatters (no contract of ours).</summary>
    public static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(IActorRef);

    /// <summary>Types of the members that go on the wire: the keyed ones, or for a type without a contract the
    /// constructor's parameters.</summary>
    public static IEnumerable<Type> MemberTypes(Type type)
    {
        var keyed = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<KeyAttribute>() is not null)
            .Select(p => p.PropertyType)
            .ToArray();
        return keyed.Length > 0 ? keyed : WireSamples.Constructor(type).Constructor.GetParameters().Select(p => p.ParameterType);
    }

    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return Unwrap(inner);
        }
        if (type.IsArray)
        {
            return Unwrap(type.GetElementType()!);
        }
        if (type.IsGenericType)
        {
            return type.GetGenericArguments().SelectMany(Unwrap);
        }
        return [type];
    }
}
