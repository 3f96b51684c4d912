using System.Collections;
using System.Reflection;
using Akka.Actor;

namespace Dataflow.Tests.Support;

/// <summary>Builds an instance of any message type with every field set to a distinct non-default value.</summary>
internal sealed class SampleValues(IActorRef actorRef)
{
    private int _counter;

    public object Create(Type type, int depth = 0)
    {
        _counter++;
        if (type == typeof(string)) return $"s{_counter}";
        if (type == typeof(int)) return 7 + _counter;
        if (type == typeof(long)) return 1_000_000_007L + _counter;
        if (type == typeof(double)) return 1.25 + _counter;
        if (type == typeof(float)) return 2.5f + _counter;
        if (type == typeof(bool)) return true;
        if (type == typeof(byte)) return (byte)(3 + _counter);
        if (type.IsEnum) return Enum.GetValues(type).GetValue(Enum.GetValues(type).Length - 1)!;
        if (type == typeof(IActorRef)) return actorRef;
        if (Nullable.GetUnderlyingType(type) is { } inner) return Create(inner, depth);
        if (type.IsArray)
        {
            var element = type.GetElementType()!;
            var array = Array.CreateInstance(element, 3);
            for (var i = 0; i < array.Length; i++)
            {
                array.SetValue(Create(element, depth + 1), i);
            }
            return array;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var dict = (IDictionary)Activator.CreateInstance(type)!;
            var args = type.GetGenericArguments();
            dict[Create(args[0], depth + 1)] = Create(args[1], depth + 1);
            return dict;
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() is var g &&
            (g == typeof(IReadOnlyList<>) || g == typeof(List<>)))
        {
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(type.GetGenericArguments()[0]))!;
            list.Add(Create(type.GetGenericArguments()[0], depth + 1));
            return list;
        }
        if (depth > 6)
        {
            throw new InvalidOperationException($"type nesting too deep at {type}");
        }
        var ctor = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance)
            .OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new InvalidOperationException($"{type} has no public constructor");
        var values = ctor.GetParameters().Select(p => Create(p.ParameterType, depth + 1)).ToArray();
        return ctor.Invoke(values);
    }
}
