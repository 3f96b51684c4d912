namespace Dataflow.Actors.Runtime;

/// <summary>Marker for every message that can cross nodes; HOCON binds it to the MessagePack serializer.</summary>
public interface IDataflowMessage;
