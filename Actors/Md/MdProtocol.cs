using Akka.Actor;
using Dataflow.Actors.Runtime;
using Dataflow.Kernels.Md.Domains;
using MessagePack;

namespace Dataflow.Actors.Md;

/// <summary>Driver to a node's md stage (through its agent): run these domains (and the long-range solver) of
/// generation <paramref name="Generation"/>, starting at <paramref name="StartStep"/>; stops the stage's actors of
/// older generations. A node with nothing to run gets empty lists.</summary>
/// <param name="Domains">Domain indices this node hosts.</param>
/// <param name="Atoms">The owned atoms of each, in the order of <paramref name="Domains"/>.</param>
/// <param name="HostsLongRange">Whether this node runs the k-space actor.</param>
/// <param name="Driver">Where the actors report.</param>
/// <param name="Thermostat">The Nose-Hoover chain's state at <paramref name="StartStep"/> (a checkpoint's), or null to
/// set the chain up afresh.</param>
[MessagePackObject]
public sealed record MdStartDomains(
    [property: Key(0)] string JobId,
    [property: Key(1)] int Generation,
    [property: Key(2)] long StartStep,
    [property: Key(3)] int[] Domains,
    [property: Key(4)] AtomPacket[] Atoms,
    [property: Key(5)] bool HostsLongRange,
    [property: Key(6)] IActorRef Driver,
    [property: Key(7)] double[]? Thermostat = null) : IStageMessage;

/// <summary>Domain or k-space actor to driver: created, here is my reference.</summary>
/// <param name="Domain">Domain index, or -1 for the k-space actor.</param>
[MessagePackObject]
public sealed record MdActorReady(
    [property: Key(0)] int Generation,
    [property: Key(1)] int Domain,
    [property: Key(2)] IActorRef Actor) : IDataflowMessage;

/// <summary>Driver to every domain and the k-space actor once all are ready: the peers, by domain index; start.</summary>
[MessagePackObject]
public sealed record MdBegin(
    [property: Key(0)] int Generation,
    [property: Key(1)] IActorRef[] Domains,
    [property: Key(2)] IActorRef? LongRange) : IDataflowMessage;

/// <summary>Domain to its neighbour domains at a rebuild: atoms that now belong to the receiver.</summary>
[MessagePackObject]
public sealed record MdMigrate(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] int From,
    [property: Key(3)] AtomPacket Atoms) : IDataflowMessage;

/// <summary>Domain to its lower ring neighbour at a balancing rebuild: its cost per step and atom histogram.</summary>
/// <param name="CostSeconds">Measured cost per step since the last balancing.</param>
/// <param name="Histogram">Atom counts in <see cref="RingBalancer.Bins"/> bins over its ring extent.</param>
[MessagePackObject]
public sealed record MdBalanceInfo(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] int From,
    [property: Key(3)] double CostSeconds,
    [property: Key(4)] double[] Histogram)
    : IDataflowMessage;

/// <summary>Domain to every domain at a balancing rebuild: the new upper boundary of the sender along its ring.</summary>
[MessagePackObject]
public sealed record MdCut(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] int From,
    [property: Key(3)] int Ring,
    [property: Key(4)] int Position,
    [property: Key(5)] double Value) : IDataflowMessage;

/// <summary>Domain to its ring neighbours after the boundaries moved: atoms that now belong to the receiver.</summary>
[MessagePackObject]
public sealed record MdPass(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] int From,
    [property: Key(3)] AtomPacket Atoms) : IDataflowMessage;

/// <summary>Domain to a neighbour domain at a rebuild: the ghosts it gives the receiver.</summary>
[MessagePackObject]
public sealed record MdGhosts(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] int From,
    [property: Key(3)] GhostPacket Ghosts) : IDataflowMessage;

/// <summary>Domain to a neighbour domain between rebuilds: the new positions of the ghosts last sent.</summary>
[MessagePackObject]
public sealed record MdGhostPositions(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] int From,
    [property: Key(3)] double[] Positions) : IDataflowMessage;

/// <summary>Domain to a neighbour domain every step under fix shake, after the forces: the ghosts' predicted positions
/// (LAMMPS' xshake), and at a run's setup also their positions corrected onto the constraints.</summary>
/// <param name="Predicted">x + dt v + dtfsq F / m of the ghosts last sent (0 plus the shift for atoms in no cluster).</param>
/// <param name="Positions">The ghosts' corrected positions at a run's setup; null otherwise.</param>
[MessagePackObject]
public sealed record MdShakeGhosts(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] int From,
    [property: Key(3)] double[] Predicted,
    [property: Key(4)] double[]? Positions) : IDataflowMessage;

/// <summary>Domain to the k-space actor, every step: its owned atoms' ids and positions.</summary>
/// <param name="Tally">Whether energy and virial are wanted (a thermo step).</param>
[MessagePackObject]
public sealed record MdChargePositions(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] int From,
    [property: Key(3)] int[] Ids,
    [property: Key(4)] double[] Positions,
    [property: Key(5)] bool Tally)
    : IDataflowMessage;

/// <summary>K-space actor to a domain: reciprocal-space forces on its atoms, in the order they were sent.</summary>
[MessagePackObject]
public sealed record MdLongRangeForces(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] double[] Forces) : IDataflowMessage;

/// <summary>K-space actor to driver on thermo steps: reciprocal-space energy and virial.</summary>
[MessagePackObject]
public sealed record MdLongRangeThermo(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] double Energy,
    [property: Key(3)] double[] Virial,
    [property: Key(4)] double Seconds)
    : IDataflowMessage;

/// <summary>Domain to driver on thermo steps: exact partial sums (see <see cref="ThermoPartials.ToBits"/>), atoms,
/// and its cost per step since the last report.</summary>
[MessagePackObject]
public sealed record MdThermoPart(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] int Domain,
    [property: Key(3)] int Atoms,
    [property: Key(4)] long[] Sums,
    [property: Key(5)] double CostSeconds,
    [property: Key(6)] long Pairs) : IDataflowMessage;

/// <summary>Domain to driver at every rebuild: progress and cost per step since the last rebuild.</summary>
[MessagePackObject]
public sealed record MdDomainProgress(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] int Domain,
    [property: Key(3)] int Atoms,
    [property: Key(4)] double CostSeconds,
    [property: Key(5)] long Pairs)
    : IDataflowMessage;

/// <summary>Domain to driver: its atoms at the end of a checkpoint, dump or final step.</summary>
/// <param name="Thermostat">The Nose-Hoover chain's state after the step (every domain holds the same), or null.</param>
[MessagePackObject]
public sealed record MdAtoms(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] int Domain,
    [property: Key(3)] AtomPacket Atoms,
    [property: Key(4)] double[]? Thermostat = null) : IDataflowMessage;

/// <summary>Domain to every domain (itself included) each step of a Nose-Hoover run, after the second half kick: its
/// exact part of the sum of m v^2, from which every domain takes the same whole-system temperature.</summary>
/// <param name="High">High 64 bits of the exact sum (<see cref="Dataflow.Kernels.Numerics.ExactSum.Bits"/>).</param>
/// <param name="Low">Low 64 bits.</param>
[MessagePackObject]
public sealed record MdKinetic(
    [property: Key(0)] int Generation,
    [property: Key(1)] long Step,
    [property: Key(2)] int From,
    [property: Key(3)] long High,
    [property: Key(4)] long Low) : IDataflowMessage;

/// <summary>Domain or k-space actor to driver: it failed. <paramref name="Fatal"/> failures (lost atoms, a blown-up
/// run) end the job; others restart the generation from the last checkpoint.</summary>
[MessagePackObject]
public sealed record MdActorFailed(
    [property: Key(0)] int Generation,
    [property: Key(1)] int Domain,
    [property: Key(2)] string Node,
    [property: Key(3)] string Error,
    [property: Key(4)] bool Fatal) : IDataflowMessage;
