using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport;
using Google.Protobuf;

namespace Dataflow.Actors.Runtime.Security;

/// <summary>Registers <see cref="ClusterAuthTransport"/> as the Akka.Remote transport adapter <c>dataflow-auth</c>.</summary>
public sealed class ClusterAuthAdapterProvider : ITransportAdapterProvider
{
    /// <inheritdoc />
    public Akka.Remote.Transport.Transport Create(Akka.Remote.Transport.Transport wrappedTransport, ExtendedActorSystem system)
    {
        var setup = system.Settings.Setup.Get<ClusterAccessSetup>();
        if (!setup.HasValue)
        {
            throw new ConfigurationException("the dataflow-auth transport adapter needs a ClusterAccessSetup (DataflowNode.Start gives one)");
        }
        return new ClusterAuthTransport(wrappedTransport, system, setup.Value);
    }
}

/// <summary>A transport adapter that lets a remoting connection through only after both sides proved the same cluster
/// secret, or both hold none; each refusal is logged and reported to the refused side.</summary>
/// <remarks>
/// Runs above the TLS driver and below Akka's own protocol, so no Akka message passes a connection that has not
/// completed it. Frames (each one transport payload): the connecting side sends <c>HELLO(has secret, nonce I)</c>;
/// the accepting side answers <c>CHALLENGE(nonce A, HMAC("host", I, A))</c>, or <c>ACCEPT</c> when neither holds a
/// secret, or <c>REFUSED(reason)</c>; the connecting side checks the host's proof and sends
/// <c>PROOF(HMAC("member", I, A))</c>; the accepting side checks it and answers <c>ACCEPT</c> or <c>REFUSED</c>.
/// The secret itself never travels, and fresh nonces on both sides make a recorded exchange useless.
/// </remarks>
internal sealed class ClusterAuthTransport : Akka.Remote.Transport.Transport
{
    private static readonly TimeSpan s_handshakeTimeout = TimeSpan.FromSeconds(15);
    private readonly Akka.Remote.Transport.Transport _wrapped;
    private readonly ClusterAccessSetup _access;
    private readonly ILoggingAdapter _log;

    public ClusterAuthTransport(Akka.Remote.Transport.Transport wrapped, ExtendedActorSystem system, ClusterAccessSetup access)
    {
        _wrapped = wrapped;
        _access = access;
        System = system;
        Config = wrapped.Config;
        _log = Logging.GetLogger(system, "dataflow.security");
    }

    public override string SchemeIdentifier => _wrapped.SchemeIdentifier;

    public override long MaximumPayloadBytes => _wrapped.MaximumPayloadBytes;

    public override bool IsResponsibleFor(Address remote) => _wrapped.IsResponsibleFor(remote);

    public override Task<bool> Shutdown() => _wrapped.Shutdown();

    public override Task<bool> ManagementCommand(object message) => _wrapped.ManagementCommand(message);

    public override async Task<(Address, TaskCompletionSource<IAssociationEventListener>)> Listen()
    {
        var (address, underlying) = await _wrapped.Listen().ConfigureAwait(false);
        var upstream = new TaskCompletionSource<IAssociationEventListener>(TaskCreationOptions.RunContinuationsAsynchronously);
        underlying.TrySetResult(new InboundListener(this, upstream.Task));
        return (address, upstream);
    }

    public override async Task<AssociationHandle> Associate(Address remoteAddress)
    {
        var handle = await _wrapped.Associate(remoteAddress).ConfigureAwait(false);
        var handshake = new Handshake(this, handle, initiator: true, remoteAddress.ToString());
        return await handshake.Completion.ConfigureAwait(false);
    }

    private sealed class InboundListener(ClusterAuthTransport transport, Task<IAssociationEventListener> upstream)
        : IAssociationEventListener
    {
        public void Notify(IAssociationEvent ev)
        {
            if (ev is not InboundAssociation inbound)
            {
                return;
            }
            var handshake = new Handshake(transport, inbound.Association, initiator: false, inbound.Association.RemoteAddress.ToString());
            handshake.Completion.ContinueWith(async done =>
            {
                if (done.IsCompletedSuccessfully)
                {
                    (await upstream.ConfigureAwait(false)).Notify(new InboundAssociation(done.Result));
                }
            }, TaskScheduler.Default);
        }
    }

    private enum Frame : byte
    {
        Hello = 1,
        Challenge = 2,
        Proof = 3,
        Refused = 4,
        Accept = 5,
    }

    /// <summary>One connection's handshake, then the relay of its payloads to the authenticated handle.</summary>
    private sealed class Handshake : IHandleEventListener
    {
        private const string HostRole = "host";
        private const string MemberRole = "member";
        private static readonly byte[] s_magic = Encoding.ASCII.GetBytes("DFAUTH1");
        private readonly ClusterAuthTransport _transport;
        private readonly AssociationHandle _handle;
        private readonly bool _initiator;
        private readonly string _peer;
        private readonly byte[] _nonce = ClusterSecret.NewNonce();
        private readonly TaskCompletionSource<AssociationHandle> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly object _gate = new();
        private byte[]? _peerNonce;
        private bool _peerHasSecret;
        private bool _hostProved;
        private AuthenticatedHandle? _authenticated;

        public Handshake(ClusterAuthTransport transport, AssociationHandle handle, bool initiator, string peer)
        {
            _transport = transport;
            _handle = handle;
            _initiator = initiator;
            _peer = peer;
            handle.ReadHandlerSource.TrySetResult(this);
            if (initiator)
            {
                Send(Frame.Hello, [(byte)(Secret is null ? 0 : 1), .. _nonce]);
            }
            _ = Task.Delay(s_handshakeTimeout).ContinueWith(_ =>
            {
                if (!_completion.Task.IsCompleted)
                {
                    Fail($"no cluster handshake within {s_handshakeTimeout.TotalSeconds:0} s", tellPeer: false);
                }
            }, TaskScheduler.Default);
        }

        public Task<AssociationHandle> Completion => _completion.Task;

        private ClusterSecret? Secret => _transport._access.Secret;

        public void Notify(IHandleEvent ev)
        {
            lock (_gate)
            {
                if (_authenticated is { } relay)
                {
                    relay.Deliver(ev);
                    return;
                }
                if (_completion.Task.IsCompleted)
                {
                    return;
                }
                if (ev is not InboundPayload payload)
                {
                    Fail(_initiator
                        ? "the connection closed during the cluster handshake (a TLS certificate the host refused, or not a Dataflow host with TLS)"
                        : "the connection closed during the cluster handshake", tellPeer: false, peerClosed: true);
                    return;
                }
                var bytes = payload.Payload.Span;
                if (bytes.Length < s_magic.Length + 1 || !bytes[..s_magic.Length].SequenceEqual(s_magic))
                {
                    Fail(_initiator
                        ? "the peer does not speak the cluster handshake (a Dataflow host without --tls-cert and --secret-file?)"
                        : "it did not start the cluster handshake (a process without --tls-cert/--secret-file, or not a Dataflow node)",
                        tellPeer: false);
                    return;
                }
                Handle((Frame)bytes[s_magic.Length], bytes[(s_magic.Length + 1)..].ToArray());
            }
        }

        private void Handle(Frame frame, byte[] body)
        {
            switch (frame, _initiator)
            {
                case (Frame.Hello, false) when body.Length == 1 + ClusterSecret.ProofLength:
                    _peerHasSecret = body[0] == 1;
                    _peerNonce = body[1..];
                    if (Secret is null && !_peerHasSecret)
                    {
                        Accept();
                    }
                    else if (Secret is null)
                    {
                        Fail("it holds a cluster secret and this host has none", tellPeer: true,
                            peerReason: "the host has no cluster secret; start it with --secret-file, or leave --secret-file out here");
                    }
                    else if (!_peerHasSecret)
                    {
                        Fail("it did not present the cluster secret (no --secret-file)", tellPeer: true,
                            peerReason: "the cluster requires its secret; pass --secret-file FILE");
                    }
                    else
                    {
                        Send(Frame.Challenge, [.. _nonce, .. Secret.Proof(HostRole, _peerNonce, _nonce)]);
                    }
                    return;
                case (Frame.Challenge, true) when body.Length == 2 * ClusterSecret.ProofLength:
                    var hostNonce = body[..ClusterSecret.ProofLength];
                    if (Secret is null || !Secret.Verify(body[ClusterSecret.ProofLength..], HostRole, _nonce, hostNonce))
                    {
                        Fail("the host did not prove this cluster secret (a different --secret-file)", tellPeer: true,
                            peerReason: "its proof did not match: it holds a different cluster secret", refusedByPeer: true);
                        return;
                    }
                    _hostProved = true;
                    Send(Frame.Proof, Secret.Proof(MemberRole, _nonce, hostNonce));
                    return;
                case (Frame.Proof, false) when body.Length == ClusterSecret.ProofLength && _peerNonce is not null && Secret is not null:
                    if (!Secret.Verify(body, MemberRole, _peerNonce, _nonce))
                    {
                        Fail("it presented a wrong cluster secret", tellPeer: true,
                            peerReason: "wrong cluster secret (this --secret-file differs from the cluster's)");
                        return;
                    }
                    Accept();
                    return;
                case (Frame.Accept, true):
                    if (Secret is not null && !_hostProved)
                    {
                        Fail("the host runs without a cluster secret, so it cannot prove this one", tellPeer: false, refusedByPeer: true);
                        return;
                    }
                    Authenticate();
                    return;
                case (Frame.Refused, false):
                    Fail($"it refused this host: {Encoding.UTF8.GetString(body)}", tellPeer: false);
                    return;
                case (Frame.Refused, true):
                    Fail($"refused by the host: {Encoding.UTF8.GetString(body)}", tellPeer: false, refusedByPeer: true);
                    return;
                default:
                    Fail($"unexpected cluster handshake frame {frame}", tellPeer: false);
                    return;
            }
        }

        private void Accept()
        {
            Send(Frame.Accept, []);
            Authenticate();
        }

        private void Authenticate()
        {
            _authenticated = new AuthenticatedHandle(_handle);
            _completion.TrySetResult(_authenticated);
        }

        private void Fail(string reason, bool tellPeer, string? peerReason = null, bool refusedByPeer = false, bool peerClosed = false)
        {
            lock (_gate)
            {
                if (!_completion.TrySetException(new InvalidAssociationException($"{_peer}: {reason}")))
                {
                    return;
                }
                if (tellPeer)
                {
                    Send(Frame.Refused, Encoding.UTF8.GetBytes(peerReason ?? reason));
                }
            }
            if (_initiator)
            {
                _transport._log.Warning("cluster handshake with {0} failed: {1}", _peer, reason);
                if (refusedByPeer)
                {
                    _transport._access.ReportRefusal(_peer, reason);
                }
            }
            else if (peerClosed)
            {
                // The TLS layer below logs a refused certificate itself.
                _transport._log.Info("connection from {0} ended before the cluster handshake: {1}", _peer, reason);
            }
            else
            {
                _transport._log.Warning("refused a connection from {0}: {1}", _peer, reason);
            }
            // Let the refusal frame reach the peer before the connection closes.
            _ = Task.Delay(tellPeer ? 200 : 0).ContinueWith(_ => CloseUnderlying(_handle), TaskScheduler.Default);
        }

        private void Send(Frame frame, byte[] body) =>
            _handle.Write(ByteString.CopyFrom([.. s_magic, (byte)frame, .. body]));

#pragma warning disable CS0618 // The reasoned overload needs a logger only for its debug line.
        private static void CloseUnderlying(AssociationHandle handle) => handle.Disassociate();
#pragma warning restore CS0618
    }

    /// <summary>The connection once authenticated: writes go straight through; payloads that arrive before Akka
    /// registers its reader are held and delivered in order.</summary>
    private sealed class AuthenticatedHandle : AssociationHandle
    {
        private readonly AssociationHandle _wrapped;
        private readonly Queue<IHandleEvent> _early = new();
        private IHandleEventListener? _reader;

        public AuthenticatedHandle(AssociationHandle wrapped) : base(wrapped.LocalAddress, wrapped.RemoteAddress)
        {
            _wrapped = wrapped;
            ReadHandlerSource.Task.ContinueWith(t =>
            {
                lock (_early)
                {
                    while (_early.TryDequeue(out var ev))
                    {
                        t.Result.Notify(ev);
                    }
                    _reader = t.Result;
                }
            }, TaskContinuationOptions.OnlyOnRanToCompletion);
        }

        /// <summary>Passes an event of the underlying connection on (called under the handshake's lock, in order).</summary>
        public void Deliver(IHandleEvent ev)
        {
            lock (_early)
            {
                if (_reader is null)
                {
                    _early.Enqueue(ev);
                }
                else
                {
                    _reader.Notify(ev);
                }
            }
        }

        public override bool Write(ByteString payload) => _wrapped.Write(payload);

        [Obsolete("Use the method that states reasons to make sure disassociation reasons are logged.")]
        public override void Disassociate() => _wrapped.Disassociate();
    }
}
