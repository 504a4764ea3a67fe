//! The backward pass: every factor of the chain rule, per sample, and the batch gradient.

use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut, Dyn, MatrixView};

use crate::{small, Activation, Gradients, Loss, Network, Scalar, Tape};

impl<T: Scalar> Network<T> {
    /// Backpropagates the batch that [`Network::forward`] just ran, filling every factor in
    /// `tape` and the batch gradient in `gradients`; returns the batch loss (mean over samples).
    ///
    /// Output layer L, per sample: ∂E/∂a from the loss, ∂a/∂z = f′(z), ∂E/∂z = ∂E/∂a ⊙ ∂a/∂z
    /// (fused to o − t for cross-entropy after sigmoid or softmax, with ∂E/∂a and ∂a/∂z left
    /// out; for softmax with another loss, the Jacobian product
    /// ∂E/∂z_j = o_j (g_j − Σ_k g_k o_k)).
    /// Hidden layer l: **∂E/∂A_l = W_{l+1}ᵀ · ∂E/∂Z_{l+1}** (∂E/∂h summed over the neurons it
    /// feeds, with the weights before any update), then ∂E/∂Z_l = ∂E/∂A_l ⊙ f′(Z_l).
    /// Gradients, batch of B: **∂E/∂W_l = (1/B) ∂E/∂Z_l · A_{l−1}ᵀ**, ∂E/∂b_l = (1/B) Σ_s ∂E/∂Z_l.
    ///
    /// Allocates nothing. Panics if no targets were loaded, or if `tape` or `gradients` belong
    /// to a network of other shapes.
    pub fn backward(&self, tape: &mut Tape<T>, gradients: &mut Gradients<T>) -> T {
        self.check_tape(tape);
        assert!(tape.has_targets, "the batch was loaded without targets");
        assert_eq!(gradients.weights.len(), self.layers().len(), "gradients of another network");
        let batch = tape.batch;
        let loss = self.output_delta(tape);

        let scale = T::one() / T::from_f64_value(batch as f64);
        for (index, dense) in self.layers().iter().enumerate().rev() {
            let (before, rest) = tape.layers.split_at_mut(index);
            let current = &rest[0];
            let de_dz = current.de_dz.columns(0, batch);
            let (n_outputs, n_inputs) = (dense.n_outputs(), dense.n_inputs());
            let de_dz_values = &current.de_dz.as_slice()[..n_outputs * batch];
            {
                let inputs = match before.last() {
                    Some(previous) => &previous.a,
                    None => &tape.inputs,
                };
                if current.small {
                    small::gradient_product(
                        scale,
                        de_dz_values,
                        (n_outputs, n_inputs),
                        inputs.as_slice(),
                        batch,
                        gradients.weights[index].as_mut_slice(),
                    );
                } else {
                    let inputs_t = transposed(inputs.as_slice(), inputs.nrows(), batch);
                    gradients.weights[index].gemm(scale, &de_dz, &inputs_t, T::zero());
                }
            }
            if let Some(bias_gradient) = gradients.biases[index].as_mut() {
                // Per neuron, Σ_s ∂E/∂z from zero in sample order (nalgebra's `row(to).sum()`),
                // walking the columns in memory order.
                let bias_gradient = bias_gradient.as_mut_slice();
                bias_gradient.fill(T::zero());
                for column in de_dz_values.chunks_exact(n_outputs) {
                    for (gradient, &delta) in bias_gradient.iter_mut().zip(column) {
                        *gradient += delta;
                    }
                }
                for gradient in bias_gradient {
                    *gradient *= scale;
                }
            }
            let Some(previous) = before.last_mut() else { continue };
            if current.small {
                let (weights, de_da) = (dense.weights().as_slice(), previous.de_da.as_mut_slice());
                small::transposed_product(
                    weights,
                    (n_outputs, n_inputs),
                    de_dz_values,
                    batch,
                    de_da,
                );
            } else {
                let de_da = &mut previous.de_da.columns_mut(0, batch);
                transposed_product(dense.weights(), &de_dz, de_da);
            }
            let activation = previous.activation;
            let n = previous.z.nrows() * batch;
            let (z, a) = (&previous.z.as_slice()[..n], &previous.a.as_slice()[..n]);
            let de_da = &previous.de_da.as_slice()[..n];
            let da_dz = &mut previous.da_dz.as_mut_slice()[..n];
            let de_dz = &mut previous.de_dz.as_mut_slice()[..n];
            for k in 0..n {
                da_dz[k] = activation.derivative_one(z[k], a[k]);
                de_dz[k] = de_da[k] * da_dz[k];
            }
        }
        loss
    }

    /// The batch loss (mean over samples) of the batch [`Network::forward`] just ran, also
    /// filling [`Tape::sample_losses`]; no derivatives. Panics if no targets were loaded.
    pub fn batch_loss(&self, tape: &mut Tape<T>) -> T {
        self.check_tape(tape);
        assert!(tape.has_targets, "the batch was loaded without targets");
        self.checked_batch_loss(tape)
    }

    /// [`Network::batch_loss`] once the tape has been checked.
    fn checked_batch_loss(&self, tape: &mut Tape<T>) -> T {
        let (batch, n_outputs, loss) = (tape.batch, self.n_outputs(), self.loss());
        let output = tape.layers.last().expect("at least one layer");
        let (z, o, t) = (output.z.as_slice(), output.a.as_slice(), tape.targets.as_slice());
        let mut total = T::zero();
        for sample in 0..batch {
            let range = sample * n_outputs..(sample + 1) * n_outputs;
            let value = loss.sample_value(
                output.activation,
                &z[range.clone()],
                &o[range.clone()],
                &t[range],
            );
            tape.sample_losses[sample] = value;
            total += value;
        }
        total / T::from_f64_value(batch as f64)
    }

    /// Fills the output layer's ∂E/∂a, ∂a/∂z, ∂E/∂z and the per-sample losses; returns the
    /// mean loss.
    fn output_delta(&self, tape: &mut Tape<T>) -> T {
        let mean_loss = self.checked_batch_loss(tape);
        let batch = tape.batch;
        let loss = self.loss();
        let n_outputs = self.n_outputs();
        let output = tape.layers.last_mut().expect("at least one layer");
        let activation = output.activation;
        let n = n_outputs * batch;
        let (z, o) = (&output.z.as_slice()[..n], &output.a.as_slice()[..n]);
        let t = &tape.targets.as_slice()[..n];
        let de_da = &mut output.de_da.as_mut_slice()[..n];
        let da_dz = &mut output.da_dz.as_mut_slice()[..n];
        let de_dz = &mut output.de_dz.as_mut_slice()[..n];

        for sample in 0..batch {
            let range = sample * n_outputs..(sample + 1) * n_outputs;
            match (activation, loss) {
                (Activation::Softmax, Loss::CrossEntropy) => {
                    let target_sum = t[range.clone()].iter().fold(T::zero(), |s, &v| s + v);
                    for k in range {
                        de_dz[k] = o[k] * target_sum - t[k];
                    }
                }
                (Activation::Softmax, _) => {
                    for k in range.clone() {
                        de_da[k] = loss.output_gradient(o[k], t[k], n_outputs);
                    }
                    let dot = range.clone().fold(T::zero(), |s, k| s + de_da[k] * o[k]);
                    for k in range {
                        de_dz[k] = o[k] * (de_da[k] - dot);
                    }
                }
                // Sigmoid: fused, o − t. The split factors would be ±∞ or NaN and 0 once an
                // output saturates, so the tape leaves them out (`LayerFactors`).
                (_, Loss::CrossEntropy) => {
                    for k in range {
                        de_dz[k] = o[k] - t[k];
                    }
                }
                _ => {
                    for k in range {
                        de_da[k] = loss.output_gradient(o[k], t[k], n_outputs);
                        da_dz[k] = activation.derivative_one(z[k], o[k]);
                        de_dz[k] = de_da[k] * da_dz[k];
                    }
                }
            }
        }
        mean_loss
    }
}

/// **Y = Aᵀ · B** for (n × m) `a`, (n × batch) `b` and (m × batch) `y`.
///
/// Above nalgebra's small-matrix threshold (every dimension > 5) this is `gemm` on a
/// transposed view, which goes to `matrixmultiply` with swapped strides. Below it, nalgebra's
/// fallback loop mishandles a left operand whose row stride is not 1 (nalgebra 0.35
/// `axcpy_uninit` iterates over the strided slice's length), so small products use `gemm_tr`,
/// whose dot-product loop is exact and fast enough at that size.
fn transposed_product<T: Scalar>(
    a: &DMatrix<T>,
    b: &DMatrixView<'_, T>,
    y: &mut DMatrixViewMut<'_, T>,
) {
    const NALGEBRA_SMALL_DIM: usize = 5;
    if a.nrows().min(a.ncols()).min(b.ncols()) > NALGEBRA_SMALL_DIM {
        let a_t = transposed(a.as_slice(), a.nrows(), a.ncols());
        y.gemm(T::one(), &a_t, b, T::zero());
    } else {
        y.gemm_tr(T::one(), a, b, T::zero());
    }
}

/// A view of the transpose of the first `n_columns` columns of a column-major matrix with
/// `n_rows` rows: (n_columns × n_rows), built by swapping strides, so `gemm` hands it to
/// `matrixmultiply` without copying (nalgebra's `gemm_tr` loops over dot products instead).
fn transposed<T: Scalar>(
    data: &[T],
    n_rows: usize,
    n_columns: usize,
) -> MatrixView<'_, T, Dyn, Dyn, Dyn, Dyn> {
    MatrixView::from_slice_with_strides_generic(
        &data[..n_rows * n_columns],
        Dyn(n_columns),
        Dyn(n_rows),
        Dyn(n_rows),
        Dyn(1),
    )
}
