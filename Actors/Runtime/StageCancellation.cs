using System.Collections.Concurrent;
using Akka.Actor;

namespace Dataflow.Actors.Runtime;

/// <summary>The cancellation tokens of the kernels a node's stages run, one per job: cancelled when the job's stage is
/// stopped (the job ended, failed or was cancelled) and, for every job, when the actor system begins to shut down
/// (a host leaving on SIGTERM, an embedded cluster disposed).</summary>
/// <remarks>A stage computes inside its message handler, so neither a stop nor a shutdown reaches it before the kernel
/// returns: the kernel itself watches this token (between rows, iterations, logical workers) and throws
/// <see cref="OperationCanceledException"/>, after which the stage stops and the actor system terminates.</remarks>
public sealed class StageCancellation : IExtension
{
    private readonly CancellationTokenSource _system = new();
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _jobs = new(StringComparer.Ordinal);

    /// <summary>The instance of <paramref name="system"/>.</summary>
    public static StageCancellation Get(ActorSystem system) =>
        system.WithExtension<StageCancellation, StageCancellationProvider>();

    /// <summary>The token of job <paramref name="jobId"/>'s kernels on this node.</summary>
    public CancellationToken For(string jobId)
    {
        if (_system.IsCancellationRequested)
        {
            return _system.Token;
        }
        return _jobs.GetOrAdd(jobId, _ => CancellationTokenSource.CreateLinkedTokenSource(_system.Token)).Token;
    }

    /// <summary>Cancels job <paramref name="jobId"/>'s kernels on this node; a stage started later gets a new token.</summary>
    public void Cancel(string jobId)
    {
        if (_jobs.TryRemove(jobId, out var source))
        {
            source.Cancel();
        }
    }

    /// <summary>Cancels every kernel on this node, now and later (the actor system is shutting down).</summary>
    public void CancelAll() => _system.Cancel();

    /// <summary>Whether <see cref="CancelAll"/> was called.</summary>
    public bool IsShuttingDown => _system.IsCancellationRequested;

    /// <summary>Registers <see cref="CancelAll"/> as the first task of <paramref name="system"/>'s coordinated shutdown.</summary>
    internal static void CancelOnShutdown(ActorSystem system)
    {
        var cancellation = Get(system);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "cancel-stage-kernels", () =>
        {
            cancellation.CancelAll();
            return Task.FromResult(Akka.Done.Instance);
        });
        system.RegisterOnTermination(cancellation.CancelAll);
    }

    private sealed class StageCancellationProvider : ExtensionIdProvider<StageCancellation>
    {
        public override StageCancellation CreateExtension(ExtendedActorSystem system) => new();
    }
}
