using Akka.Actor.Setup;

namespace Dataflow.Actors.Runtime.Security;

/// <summary>What one actor system proves and checks at every remoting connection: its cluster secret (or none), and
/// where refusals of this process by its peers are reported.</summary>
/// <remarks>Passed to the actor system as a <see cref="Setup"/>, so the secret never appears in its configuration;
/// read by <see cref="ClusterAuthAdapterProvider"/>.</remarks>
public sealed class ClusterAccessSetup(ClusterSecret? secret, ClusterCertificate? certificate) : Setup
{
    private readonly TaskCompletionSource<string> _refused = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The cluster secret this process holds, or null.</summary>
    public ClusterSecret? Secret { get; } = secret;

    /// <summary>The TLS certificate this process presents and pins, or null without TLS.</summary>
    public ClusterCertificate? Certificate { get; } = certificate;

    /// <summary>Completes with a one-line reason the first time a peer refuses this process, or this process refuses
    /// a peer it connected to (wrong secret, wrong certificate).</summary>
    public Task<string> Refused => _refused.Task;

    /// <summary>Records that the connection to <paramref name="peer"/> was refused for <paramref name="reason"/>.</summary>
    public void ReportRefusal(string peer, string reason) => _refused.TrySetResult($"{peer}: {reason}");
}

/// <summary>This process was refused by the cluster it tried to join, or refused it: a different cluster secret, a
/// missing one, or another TLS certificate. The command line reports it with exit code 1.</summary>
public sealed class ClusterAccessRefusedException(string message) : Exception(message);
