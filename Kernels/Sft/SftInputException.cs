namespace Dataflow.Kernels.Sft;

/// <summary>An input file of the <c>sft</c> workload is unusable; the message names the file and line.</summary>
public sealed class SftInputException(string message, Exception? inner = null) : Exception(message, inner);
