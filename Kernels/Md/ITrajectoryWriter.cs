namespace Dataflow.Kernels.Md;

/// <summary>Appends snapshots of a simulation to a trajectory.</summary>
public interface ITrajectoryWriter : IDisposable
{
    /// <summary>Appends the current positions of <paramref name="state"/>, with its step and box.</summary>
    void Write(MdState state);
}
