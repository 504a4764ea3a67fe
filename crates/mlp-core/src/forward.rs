//! The forward pass: z = W a_prev + b, a = f(z), layer by layer, for a whole batch at once.

use crate::{Network, Scalar, Tape};

impl<T: Scalar> Network<T> {
    /// Runs the loaded batch forward, keeping every layer's z and a in `tape`.
    ///
    /// Per layer: **Z = W · A_prev + b 1ᵀ** (one matrix product for the batch, through
    /// nalgebra's `gemm`), **A = f(Z)**. Allocates nothing.
    ///
    /// Panics if `tape` was made for a network of other shapes (a programming error).
    pub fn forward(&self, tape: &mut Tape<T>) {
        self.check_tape(tape);
        let batch = tape.batch;
        for (index, dense) in self.layers().iter().enumerate() {
            let (before, rest) = tape.layers.split_at_mut(index);
            let current = &mut rest[0];
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
