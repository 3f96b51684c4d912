using System.Collections;
using System.Reflection;
using Akka.Actor;
using MessagePack;

namespace Dataflow.Tests.Actors.Runtime.Serialization;

/// <summary>Fixed sample instances of wire types for the golden-bytes tests: every value is derived from the chain of
/// <c>[Key(n)]</c> indices that leads to it, so a sample changes when a key, a member's type or the set of members
/// changes, and not when a member is renamed or constructor parameters are reordered (neither changes the wire).</summary>
internal static class WireSamples
{
    /// <summary>Where sample actor references point; they are never resolved to a live actor.</summary>
    public static readonly Address GoldenAddress = new("akka.tcp", "dataflow", "127.0.0.1", 4053);

    /// <summary>The sample of <paramref name="type"/>.</summary>
    public static object Create(Type type) => Create(type, 1, 0);

    /// <summary>The wire key of each constructor parameter of <paramref name="type"/>: its property's <see cref="KeyAttribute"/>
    /// index, or its position when the type has no contract.</summary>
    public static (ConstructorInfo Constructor, int[] Keys) Constructor(Type type)
    {
        var ctor = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance)
            .OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new InvalidOperationException($"{type} has no public constructor");
        var parameters = ctor.GetParameters();
        var keys = new int[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            var property = type.GetProperty(parameters[i].Name!, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            keys[i] = property?.GetCustomAttribute<KeyAttribute>() is { IntKey: { } key } ? key : i;
        }
        return (ctor, keys);
    }

    private static object Create(Type type, int seed, int depth)
    {
        if (depth > 8)
        {
            throw new InvalidOperationException($"type nesting too deep at {type}");
        }
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return Create(inner, seed, depth);
        }
        if (type == typeof(string)) return $"s{seed}";
        if (type == typeof(int)) return seed;
        if (type == typeof(long)) return (1L << 33) + seed;
        if (type == typeof(double)) return seed + 0.25;
        if (type == typeof(float)) return seed + 0.5f;
        if (type == typeof(bool)) return seed % 2 == 1;
        if (type == typeof(byte)) return (byte)seed;
        if (type.IsEnum)
        {
            var members = Enum.GetValues(type);
            return members.GetValue(seed % members.Length)!;
        }
        if (type == typeof(IActorRef))
        {
            return new GoldenActorRef(new RootActorPath(GoldenAddress) / "user" / $"a{seed}");
        }
        if (type.IsArray)
        {
            var element = type.GetElementType()!;
            var array = Array.CreateInstance(element, 2);
            for (var i = 0; i < array.Length; i++)
            {
                array.SetValue(Create(element, Next(seed, i), depth + 1), i);
            }
            return array;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var dictionary = (IDictionary)Activator.CreateInstance(type)!;
            var arguments = type.GetGenericArguments();
            dictionary[Create(arguments[0], Next(seed, 0), depth + 1)] = Create(arguments[1], Next(seed, 1), depth + 1);
            return dictionary;
        }
        var (ctor, keys) = Constructor(type);
        var parameters = ctor.GetParameters();
        var values = new object?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            values[i] = Create(parameters[i].ParameterType, Next(seed, keys[i]), depth + 1);
        }
        return ctor.Invoke(values);
    }

    private static int Next(int seed, int key) => (seed * 17 + key + 1) % 1009;

    /// <summary>An actor reference with a fixed path and uid, serialized as that path.</summary>
    private sealed class GoldenActorRef(ActorPath path) : MinimalActorRef
    {
        public override ActorPath Path { get; } = path.WithUid(path.Name.Length + 40);

        public override IActorRefProvider Provider => throw new NotSupportedException("golden actor references are never resolved");
    }
}
