namespace Dataflow.Kernels.Tune;

/// <summary>The anchor operator of a tuning task: the compute-heavy operator a subgraph is built around, which
/// FamilySeer groups tasks by.</summary>
public enum TuneOperator
{
    /// <summary>Matrix product C[M,N] = A[M,K] B[K,N]; shape (M, N, K).</summary>
    Dense,

    /// <summary>2-D convolution, NCHW, as im2col and a matrix product; shape (N, C, H, W, K, R, S, stride, pad).</summary>
    Conv2d,

    /// <summary>Depthwise 2-D convolution, NCHW, one R x S filter per channel; shape (N, C, H, W, R, S, stride, pad).</summary>
    DepthwiseConv2d,

    /// <summary>Row-wise softmax of a rows x cols matrix; shape (rows, cols).</summary>
    Softmax,

    /// <summary>Row sums of a rows x cols matrix (as layer normalisation and pooling use); shape (rows, cols).</summary>
    Reduction,

    /// <summary>The md workload's lj/cut pair kernel on a full neighbour list; shape (atoms, cutoff in sigma x 10);
    /// the tuning instance is an fcc block, so atoms is 4 c^3.</summary>
    LennardJonesPair,
}
