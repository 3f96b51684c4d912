using System.Collections;
using System.Reflection;
using Akka.Actor;
using Xunit.Sdk;

namespace Dataflow.Tests.Actors.Runtime.Serialization;

/// <summary>Deep equality of wire values: public instance properties member by member, arrays and dictionaries by
/// content, actor references by path; a difference is reported with the path to it.</summary>
internal static class WireEquality
{
    public static void AssertEqual(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            if (expected is not null || actual is not null)
            {
                throw new XunitException($"{path}: expected {expected ?? "null"}, got {actual ?? "null"}");
            }
            return;
        }
        if (expected is IActorRef expectedRef && actual is IActorRef actualRef)
        {
            Same(expectedRef.Path.ToSerializationFormat(), actualRef.Path.ToSerializationFormat(), path);
            return;
        }
        var type = expected.GetType();
        if (type != actual.GetType())
        {
            throw new XunitException($"{path}: expected a {type.Name}, got a {actual.GetType().Name}");
        }
        if (type.IsPrimitive || type.IsEnum || expected is string or decimal)
        {
            Same(expected, actual, path);
            return;
        }
        if (expected is IDictionary expectedDictionary)
        {
            var actualDictionary = (IDictionary)actual;
            Same(expectedDictionary.Count, actualDictionary.Count, path + ".Count");
            foreach (DictionaryEntry entry in expectedDictionary)
            {
                if (!actualDictionary.Contains(entry.Key))
                {
                    throw new XunitException($"{path}: key {entry.Key} is missing");
                }
                AssertEqual(entry.Value, actualDictionary[entry.Key], $"{path}[{entry.Key}]");
            }
            return;
        }
        if (expected is Array expectedArray)
        {
            var actualArray = (Array)actual;
            Same(expectedArray.Length, actualArray.Length, path + ".Length");
            for (var i = 0; i < expectedArray.Length; i++)
            {
                AssertEqual(expectedArray.GetValue(i), actualArray.GetValue(i), $"{path}[{i}]");
            }
            return;
        }
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToArray();
        if (properties.Length == 0)
        {
            Same(expected, actual, path);
            return;
        }
        foreach (var property in properties)
        {
            AssertEqual(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
        }
    }

    private static void Same(object expected, object actual, string path)
    {
        if (!Equals(expected, actual))
        {
            throw new XunitException($"{path}: expected {expected}, got {actual}");
        }
    }
}
