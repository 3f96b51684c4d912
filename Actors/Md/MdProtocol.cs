using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Md.Domains;

namespace Dataflow.Actors.Md;

/// <summary>Driver to a node's md stage (through its agent): run these domains (and the long-range solver) of
/// generation <paramref name="Generation"/>, starting at <paramref name="StartStep"/>; stops the stage's actors of
/// older generations. A node with nothing to run gets empty lists.</summary>
/// <param name="Domains">Domain indices this node hosts.</param>
/// <param name="Atoms">The owned atoms of each, in the order of <paramref name="Domains"/>.</param>
/// <param name="HostsLongRange">Whether this node runs the k-space actor.</param>
/// <param name="Driver">Where the actors report.</param>
public sealed record MdStartDomains(string JobId, int Generation, long StartStep, int[] Domains, AtomPacket[] Atoms,
    bool HostsLongRange, IActorRef Driver) : IStageMessage;

/// <summary>Domain or k-space actor to driver: created, here is my reference.</summary>
/// <param name="Domain">Domain index, or -1 for the k-space actor.</param>
public sealed record MdActorReady(int Generation, int Domain, IActorRef Actor) : IDataflowMessage;

/// <summary>Driver to every domain and the k-space actor once all are ready: the peers, by domain index; start.</summary>
public sealed record MdBegin(int Generation, IActorRef[] Domains, IActorRef? LongRange) : IDataflowMessage;

/// <summary>Domain to its neighbour domains at a rebuild: atoms that now belong to the receiver.</summary>
public sealed record MdMigrate(int Generation, long Step, int From, AtomPacket Atoms) : IDataflowMessage;

/// <summary>Domain to its lower ring neighbour at a balancing rebuild: its cost per step and atom histogram.</summary>
/// <param name="CostSeconds">Measured cost per step since the last balancing.</param>
/// <param name="Histogram">Atom counts in <see cref="RingBalancer.Bins"/> bins over its ring extent.</param>
public sealed record MdBalanceInfo(int Generation, long Step, int From, double CostSeconds, double[] Histogram)
    : IDataflowMessage;

/// <summary>Domain to every domain at a balancing rebuild: the new upper boundary of the sender along its ring.</summary>
public sealed record MdCut(int Generation, long Step, int From, int Ring, int Position, double Value) : IDataflowMessage;

/// <summary>Domain to its ring neighbours after the boundaries moved: atoms that now belong to the receiver.</summary>
public sealed record MdPass(int Generation, long Step, int From, AtomPacket Atoms) : IDataflowMessage;

/// <summary>Domain to a neighbour domain at a rebuild: the ghosts it gives the receiver.</summary>
public sealed record MdGhosts(int Generation, long Step, int From, GhostPacket Ghosts) : IDataflowMessage;

/// <summary>Domain to a neighbour domain between rebuilds: the new positions of the ghosts last sent.</summary>
public sealed record MdGhostPositions(int Generation, long Step, int From, double[] Positions) : IDataflowMessage;

/// <summary>Domain to the k-space actor, every step: its owned atoms' ids and positions.</summary>
/// <param name="Tally">Whether energy and virial are wanted (a thermo step).</param>
public sealed record MdChargePositions(int Generation, long Step, int From, int[] Ids, double[] Positions, bool Tally)
    : IDataflowMessage;

/// <summary>K-space actor to a domain: reciprocal-space forces on its atoms, in the order they were sent.</summary>
public sealed record MdLongRangeForces(int Generation, long Step, double[] Forces) : IDataflowMessage;

/// <summary>K-space actor to driver on thermo steps: reciprocal-space energy and virial.</summary>
public sealed record MdLongRangeThermo(int Generation, long Step, double Energy, double[] Virial, double Seconds)
    : IDataflowMessage;

/// <summary>Domain to driver on thermo steps: exact partial sums (see <see cref="ThermoPartials.ToBits"/>), atoms,
/// and its cost per step since the last report.</summary>
public sealed record MdThermoPart(int Generation, long Step, int Domain, int Atoms, long[] Sums, double CostSeconds,
    long Pairs) : IDataflowMessage;

/// <summary>Domain to driver at every rebuild: progress and cost per step since the last rebuild.</summary>
public sealed record MdDomainProgress(int Generation, long Step, int Domain, int Atoms, double CostSeconds, long Pairs)
    : IDataflowMessage;

/// <summary>Domain to driver: its atoms at the end of a checkpoint, dump or final step.</summary>
public sealed record MdAtoms(int Generation, long Step, int Domain, AtomPacket Atoms) : IDataflowMessage;

/// <summary>Domain or k-space actor to driver: it failed. <paramref name="Fatal"/> failures (lost atoms, a blown-up
/// run) end the job; others restart the generation from the last checkpoint.</summary>
public sealed record MdActorFailed(int Generation, int Domain, string Node, string Error, bool Fatal) : IDataflowMessage;
