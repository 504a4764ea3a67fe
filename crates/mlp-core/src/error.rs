//! Errors raised when a network or a batch is put together with the wrong shapes, and when a
//! name does not parse.

use crate::{Activation, Loss};

/// A network that cannot be built as described. Checked once, at construction.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetworkError {
    /// No layers were given.
    #[error("a network needs at least one layer")]
    NoLayers,
    /// A layer has no neurons or no inputs.
    #[error("layer {layer} has shape {n_outputs}×{n_inputs}; both must be at least 1")]
    EmptyLayer {
        /// 1-based layer.
        layer: usize,
        /// Neurons fed.
        n_outputs: usize,
        /// Inputs.
        n_inputs: usize,
    },
    /// A layer's inputs do not match the previous layer's outputs.
    #[error("layer {layer} takes {found} inputs but the layer before it has {expected} neurons")]
    InputMismatch {
        /// 1-based layer.
        layer: usize,
        /// Neurons of the previous layer.
        expected: usize,
        /// Inputs of this layer (columns of its weights).
        found: usize,
    },
    /// A bias vector's length differs from the layer's neuron count.
    #[error("layer {layer} has {expected} neurons but {found} biases")]
    BiasLength {
        /// 1-based layer.
        layer: usize,
        /// Neurons (rows of the weights).
        expected: usize,
        /// Length of the bias vector.
        found: usize,
    },
    /// Softmax is only defined here for the output layer.
    #[error("layer {layer} uses softmax, which is only allowed on the output layer")]
    SoftmaxNotOutput {
        /// 1-based layer.
        layer: usize,
    },
    /// The loss cannot follow the output activation.
    #[error("{loss} loss needs a softmax or sigmoid output layer, not {activation}")]
    LossNeedsProbabilities {
        /// The loss.
        loss: Loss,
        /// The output layer's activation.
        activation: Activation,
    },
    /// A leaky ReLU slope that is not a finite number.
    #[error("layer {layer} has a leaky-relu slope of {slope}; it must be finite")]
    BadSlope {
        /// 1-based layer.
        layer: usize,
        /// The slope given.
        slope: f64,
    },
    /// A layer with more weights than an array can hold (n_outputs × n_inputs numbers do not
    /// fit in memory's address space).
    #[error("layer {layer} of {n_outputs}×{n_inputs} weights is too large to allocate")]
    TooLarge {
        /// 1-based layer.
        layer: usize,
        /// Neurons fed.
        n_outputs: usize,
        /// Inputs.
        n_inputs: usize,
    },
    /// A weight or bias that is NaN or infinite.
    #[error("parameter {name} is {value}; parameters must be finite")]
    NonFiniteParameter {
        /// Tutorial-style name, `W5` or `b2`.
        name: String,
        /// The value.
        value: f64,
    },
}

/// A batch whose shape does not fit the network or the tape, or whose forward pass overflowed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BatchError {
    /// The inputs have the wrong number of rows (features).
    #[error("the network takes {expected} inputs per sample but the batch has {found}")]
    Inputs {
        /// The network's input count.
        expected: usize,
        /// Rows of the batch.
        found: usize,
    },
    /// The targets have the wrong number of rows.
    #[error("the network has {expected} outputs per sample but the targets have {found}")]
    Targets {
        /// The network's output count.
        expected: usize,
        /// Rows of the targets.
        found: usize,
    },
    /// Inputs and targets hold different numbers of samples.
    #[error("the batch has {inputs} input columns but {targets} target columns")]
    SampleCount {
        /// Columns of the inputs.
        inputs: usize,
        /// Columns of the targets.
        targets: usize,
    },
    /// More samples than the tape was made for, or none.
    #[error("a batch of {found} samples does not fit a tape made for 1 to {capacity}")]
    Size {
        /// The tape's capacity.
        capacity: usize,
        /// Samples in the batch.
        found: usize,
    },
    /// A tape for no samples was asked for ([`crate::Network::try_tape`] with 0).
    #[error("a tape must hold at least one sample, not 0")]
    ZeroCapacity,
    /// A row of a batch given as rows ([`crate::Network::predict_rows`]) has the wrong length.
    #[error("row {} has {found} inputs but the network takes {expected}", .row + 1)]
    RowLength {
        /// 0-based row.
        row: usize,
        /// The network's input count.
        expected: usize,
        /// Numbers in the row.
        found: usize,
    },
    /// A row-major batch ([`crate::Network::predict_row_major`]) whose length is not a whole
    /// number of rows.
    #[error("{found} numbers do not make whole rows of {n_inputs} inputs")]
    RowMajorLength {
        /// The network's input count.
        n_inputs: usize,
        /// Numbers given.
        found: usize,
    },
    /// The forward pass produced a NaN or infinite activation (weights or inputs so large that
    /// the numbers overflow): the first one, in layer order.
    #[error(transparent)]
    NonFinite(#[from] NonFiniteActivation),
}

/// The first NaN or infinite number of a forward pass, in layer order, then sample order:
/// where the overflow began.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("sample {}: layer {layer}, neuron {neuron}: the activation is {value} (the numbers overflow)", .sample + 1)]
pub struct NonFiniteActivation {
    /// 1-based layer.
    pub layer: usize,
    /// 1-based neuron within the layer.
    pub neuron: usize,
    /// 0-based sample (column) within the batch.
    pub sample: usize,
    /// The value of the activation a (NaN or ±∞).
    pub value: f64,
}

/// Text that is not the name of an [`Activation`] ([`str::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseActivationError {
    /// Not one of the names.
    #[error("unknown activation `{found}`; expected one of {}, or leaky-relu(slope S)",
        Activation::NAMES.join(", "))]
    Unknown {
        /// The text given.
        found: String,
    },
    /// `leaky-relu(slope S)` with an `S` that is not a finite number.
    #[error("the leaky-relu slope `{found}` is not a finite number")]
    BadSlope {
        /// The text given for the slope.
        found: String,
    },
}

/// Text that is not the name of a [`Loss`] ([`str::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown loss `{found}`; expected one of {}", Loss::NAMES.join(", "))]
pub struct ParseLossError {
    /// The text given.
    pub found: String,
}
