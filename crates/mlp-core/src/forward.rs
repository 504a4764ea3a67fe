//! The forward pass: z = W a_prev + b, a = f(z), layer by layer, for a whole batch at once.

use crate::tape::LayerTape;
use crate::{small, Activation, Dense, Network, Scalar, Tape};

impl<T: Scalar> Network<T> {
    /// Runs the loaded batch forward, keeping every layer's z and a in `tape`.
    ///
    /// Per layer: **Z = W · A_prev + b 1ᵀ** (one matrix product for the batch, through
    /// nalgebra's `gemm`, or for a layer with at most 5 inputs or neurons plain loops that
    /// give the same bits: see `small.rs`), **A = f(Z)**. Allocates nothing.
    ///
    /// Panics if `tape` was made for a network of other shapes (a programming error).
    pub fn forward(&self, tape: &mut Tape<T>) {
        self.check_tape(tape);
        let batch = tape.batch;
        for (index, dense) in self.layers().iter().enumerate() {
            let (before, rest) = tape.layers.split_at_mut(index);
            let current = &mut rest[0];
            if current.small {
                let inputs = match before.last() {
                    Some(previous) => previous.a.as_slice(),
                    None => tape.inputs.as_slice(),
                };
                small_layer(dense, &inputs[..dense.n_inputs() * batch], current, batch);
                continue;
            }
            let inputs = match before.last() {
                Some(previous) => previous.a.columns(0, batch),
                None => tape.inputs.columns(0, batch),
            };
            let mut z = current.z.columns_mut(0, batch);
            z.gemm(T::one(), dense.weights(), &inputs, T::zero());
            if let Some(bias) = dense.bias() {
                for mut column in z.column_iter_mut() {
                    column += bias;
                }
            }
            dense.activation().apply(&z, &mut current.a.columns_mut(0, batch));
        }
    }

    pub(crate) fn check_tape(&self, tape: &Tape<T>) {
        let fits = tape.layers.len() == self.layers().len()
            && tape.inputs.nrows() == self.n_inputs()
            && tape.loss == self.loss()
            && self.layers().iter().zip(&tape.layers).all(|(dense, layer)| {
                layer.z.nrows() == dense.n_outputs() && layer.activation == dense.activation()
            });
        assert!(fits, "the tape was made for a network of other shapes");
        assert!(tape.batch > 0, "no batch was loaded into the tape");
    }
}

/// One small layer's forward pass over slices: z = W a_prev (see `small.rs`), z += b, a = f(z).
fn small_layer<T: Scalar>(
    dense: &Dense<T>,
    inputs: &[T],
    current: &mut LayerTape<T>,
    batch: usize,
) {
    let shape = (dense.n_outputs(), dense.n_inputs());
    let n = shape.0 * batch;
    let parameters = (dense.weights().as_slice(), dense.bias().map(|bias| bias.as_slice()));
    // One loop per activation, so that each is a loop over the formula alone.
    macro_rules! layer {
        ($f:expr) => {{
            let outputs = (&mut current.z.as_mut_slice()[..n], &mut current.a.as_mut_slice()[..n]);
            small::layer_forward(parameters, shape, inputs, batch, outputs, $f)
        }};
    }
    match dense.activation() {
        Activation::Sigmoid => layer!(|z| Activation::Sigmoid.apply_one(z)),
        Activation::Tanh => layer!(|z| Activation::Tanh.apply_one(z)),
        Activation::Relu => layer!(|z| Activation::Relu.apply_one(z)),
        Activation::Softmax => {
            let z = &mut current.z.as_mut_slice()[..n];
            small::product(parameters.0, shape, inputs, batch, z);
            if let Some(bias) = parameters.1 {
                for column in z.chunks_exact_mut(shape.0) {
                    for (z, &b) in column.iter_mut().zip(bias) {
                        *z += b;
                    }
                }
            }
            let activation = Activation::Softmax;
            activation.apply(&current.z.columns(0, batch), &mut current.a.columns_mut(0, batch));
        }
        other => layer!(|z| other.apply_one(z)),
    }
}
