namespace Dataflow.Kernels.Train;

/// <summary>The network a <c>train</c> job fits to its synthetic data set.</summary>
public enum TrainModelKind
{
    /// <summary>Multi-layer perceptron 32 -> 64 -> 64 -> 10 on teacher-labelled Gaussian vectors.</summary>
    Mlp,

    /// <summary>Two-layer convolutional network on procedurally drawn 1x16x16 images.</summary>
    Cnn,
}
