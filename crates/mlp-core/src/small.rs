//! Plain loops over slices for the matrix products of a small layer: one with at most
//! [`SMALL_DIM`] inputs or neurons, such as the tutorial's 2-2-2 network.
//!
//! For such a layer nalgebra's `gemm` and `gemm_tr` never reach `matrixmultiply` (it needs
//! every dimension above [`SMALL_DIM`]); they run their own fallback loops, through generic
//! views, strides and a dispatch that cost more than the arithmetic of a 2 × 2 product. The
//! functions here do the same arithmetic **in the same order** as that fallback (nalgebra
//! 0.35 `gemv_uninit` / `axcpy_uninit` for `gemm`, `gemv_xx` / `dotx` for `gemm_tr`), so a
//! small layer's results are bit for bit those of the `gemm` path; the tests below compare
//! them over random shapes. Whether a layer is small is decided once, when its [`crate::Tape`]
//! is made.
//!
//! All matrices are column-major slices.

use crate::Scalar;

/// nalgebra's threshold: `gemm` hands a product to `matrixmultiply` only when every dimension
/// of the operands is above it.
pub(crate) const SMALL_DIM: usize = 5;

/// True when every product of a layer of `n_outputs` × `n_inputs` weights takes nalgebra's
/// fallback loops, whatever the batch size, so that this module can do them instead.
pub(crate) fn is_small(n_outputs: usize, n_inputs: usize) -> bool {
    n_outputs.min(n_inputs) <= SMALL_DIM
}

/// **Z = W · X**: (n_outputs × n_inputs) `w`, (n_inputs × batch) `x`, (n_outputs × batch) `z`.
///
/// Per sample j, as `gemm`'s fallback: z_j = w_0 x_0j, then z_j += w_k x_kj for k = 1, 2, …
/// (w_k the k-th column of W). Index loops over known lengths: no division, no iterator set-up,
/// which at 2 × 2 cost more than the products.
#[inline]
pub(crate) fn product<T: Scalar>(
    w: &[T],
    (n_outputs, n_inputs): (usize, usize),
    x: &[T],
    batch: usize,
    z: &mut [T],
) {
    let first = &w[..n_outputs];
    for sample in 0..batch {
        let x = &x[sample * n_inputs..][..n_inputs];
        let z = &mut z[sample * n_outputs..][..n_outputs];
        for to in 0..n_outputs {
            z[to] = first[to] * x[0];
        }
        for from in 1..n_inputs {
            let column = &w[from * n_outputs..][..n_outputs];
            for to in 0..n_outputs {
                z[to] += column[to] * x[from];
            }
        }
    }
}

/// A whole elementwise layer: **z = W x + b** as [`product`] sums it (each z_j over the inputs
/// in order, then + b_j), and **a = f(z)**, one neuron at a time. Writing z and a as each is
/// done (never reading back a value just written, as a separate pass over z does) keeps the
/// processor from stalling on its own stores.
#[inline]
pub(crate) fn layer_forward<T: Scalar>(
    (w, bias): (&[T], Option<&[T]>),
    (n_outputs, n_inputs): (usize, usize),
    x: &[T],
    batch: usize,
    (z, a): (&mut [T], &mut [T]),
    f: impl Fn(T) -> T,
) {
    for sample in 0..batch {
        let x = &x[sample * n_inputs..][..n_inputs];
        let z = &mut z[sample * n_outputs..][..n_outputs];
        let a = &mut a[sample * n_outputs..][..n_outputs];
        for to in 0..n_outputs {
            let mut sum = w[to] * x[0];
            for from in 1..n_inputs {
                sum += w[from * n_outputs + to] * x[from];
            }
            if let Some(bias) = bias {
                sum += bias[to];
            }
            z[to] = sum;
            a[to] = f(sum);
        }
    }
}

/// **G = α · Δ · Xᵀ**: (n_outputs × batch) `delta`, (n_inputs × batch) `x`, (n_outputs ×
/// n_inputs) `g`.
///
/// Per entry, as `gemm`'s fallback on a transposed view of X: g_ji = (α δ_j0) x_i0, then
/// g_ji += (α δ_js) x_is for samples s = 1, 2, … in order.
#[inline]
pub(crate) fn gradient_product<T: Scalar>(
    alpha: T,
    delta: &[T],
    (n_outputs, n_inputs): (usize, usize),
    x: &[T],
    batch: usize,
    g: &mut [T],
) {
    // One entry at a time, its whole sum in a register: no vector load of the ∂E/∂z the
    // backward pass has just stored one by one (the processor stalls on such a load).
    for to in 0..n_outputs {
        for from in 0..n_inputs {
            let mut sum = alpha * delta[to] * x[from];
            for sample in 1..batch {
                sum += alpha * delta[sample * n_outputs + to] * x[sample * n_inputs + from];
            }
            g[from * n_outputs + to] = sum;
        }
    }
}

/// **Y = Wᵀ · Δ**: (n_outputs × n_inputs) `w`, (n_outputs × batch) `delta`, (n_inputs × batch)
/// `y`. As `gemm_tr`: y_ij = 1 · (w_i · δ_j), the dot product summed as nalgebra's `dotx`.
#[inline]
pub(crate) fn transposed_product<T: Scalar>(
    w: &[T],
    (n_outputs, n_inputs): (usize, usize),
    delta: &[T],
    batch: usize,
    y: &mut [T],
) {
    for sample in 0..batch {
        let delta = &delta[sample * n_outputs..][..n_outputs];
        let y = &mut y[sample * n_inputs..][..n_inputs];
        for from in 0..n_inputs {
            y[from] = T::one() * dot(&w[from * n_outputs..][..n_outputs], delta);
        }
    }
}

/// a · b summed as nalgebra's `dotx` for vectors of dynamic length: eight running sums over
/// whole blocks of eight, folded in pairs (0 + 4, 1 + 5, 2 + 6, 3 + 7) into a total that
/// starts at zero, then the remaining products added one by one.
#[inline]
fn dot<T: Scalar>(a: &[T], b: &[T]) -> T {
    let n = a.len();
    let b = &b[..n];
    let mut total = T::zero();
    let blocks = n / 8 * 8;
    if blocks > 0 {
        let mut sums = [T::zero(); 8];
        for start in (0..blocks).step_by(8) {
            for lane in 0..8 {
                sums[lane] += a[start + lane] * b[start + lane];
            }
        }
        for lane in 0..4 {
            total += sums[lane] + sums[lane + 4];
        }
    }
    // Without a whole block the eight sums are +0, and adding them leaves the total +0.
    for k in blocks..n {
        total += a[k] * b[k];
    }
    total
}

#[cfg(test)]
mod tests {
    use nalgebra::{DMatrix, Dyn, MatrixView};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// Values of both signs over many magnitudes, and signed zeros, so that any change in the
    /// order of the sums shows in the last bits.
    fn random(rng: &mut ChaCha8Rng, n_rows: usize, n_columns: usize) -> DMatrix<f64> {
        DMatrix::from_fn(n_rows, n_columns, |_, _| match rng.random_range(0..10) {
            0 => 0.0,
            1 => -0.0,
            _ => rng.random_range(-1.0..1.0) * 10f64.powi(rng.random_range(-8..8)),
        })
    }

    fn bits(matrix: &DMatrix<f64>) -> Vec<u64> {
        matrix.iter().map(|value| value.to_bits()).collect()
    }

    /// Every shape a small layer can have up to 11 on a side (one dimension at most 5) and
    /// batches up to 11: the loops give nalgebra's bits, dot products of 8 and more included.
    #[test]
    fn the_loops_give_the_bits_of_nalgebras_products() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut n_checked = 0;
        for n_outputs in 1..=11 {
            for n_inputs in 1..=11 {
                if !is_small(n_outputs, n_inputs) {
                    continue;
                }
                for batch in 1..=11 {
                    let w = random(&mut rng, n_outputs, n_inputs);
                    let x = random(&mut rng, n_inputs, batch);
                    let delta = random(&mut rng, n_outputs, batch);
                    let alpha = 1.0 / batch as f64;

                    let mut expected = DMatrix::zeros(n_outputs, batch);
                    expected.gemm(1.0, &w, &x, 0.0);
                    let mut z = DMatrix::from_element(n_outputs, batch, f64::NAN);
                    let shape = (n_outputs, n_inputs);
                    product(w.as_slice(), shape, x.as_slice(), batch, z.as_mut_slice());
                    assert_eq!(bits(&z), bits(&expected), "W X, {n_outputs}×{n_inputs}×{batch}");

                    let x_t = MatrixView::from_slice_with_strides_generic(
                        x.as_slice(),
                        Dyn(batch),
                        Dyn(n_inputs),
                        Dyn(n_inputs),
                        Dyn(1),
                    );
                    let mut expected = DMatrix::zeros(n_outputs, n_inputs);
                    expected.gemm(alpha, &delta, &x_t, 0.0);
                    let mut g = DMatrix::from_element(n_outputs, n_inputs, f64::NAN);
                    gradient_product(
                        alpha,
                        delta.as_slice(),
                        shape,
                        x.as_slice(),
                        batch,
                        g.as_mut_slice(),
                    );
                    assert_eq!(bits(&g), bits(&expected), "Δ Xᵀ, {n_outputs}×{n_inputs}×{batch}");

                    let mut expected = DMatrix::zeros(n_inputs, batch);
                    expected.gemm_tr(1.0, &w, &delta, 0.0);
                    let mut y = DMatrix::from_element(n_inputs, batch, f64::NAN);
                    let (w, delta) = (w.as_slice(), delta.as_slice());
                    transposed_product(w, shape, delta, batch, y.as_mut_slice());
                    assert_eq!(bits(&y), bits(&expected), "Wᵀ Δ, {n_outputs}×{n_inputs}×{batch}");

                    // The fused layer: W X, then + b, then tanh, with the same bits.
                    let bias = random(&mut rng, n_outputs, 1);
                    let mut expected_z = z.clone();
                    for mut column in expected_z.column_iter_mut() {
                        column += &bias;
                    }
                    let (mut fused_z, mut fused_a) = (z.clone(), z.clone());
                    fused_z.fill(f64::NAN);
                    layer_forward(
                        (w, Some(bias.as_slice())),
                        shape,
                        x.as_slice(),
                        batch,
                        (fused_z.as_mut_slice(), fused_a.as_mut_slice()),
                        f64::tanh,
                    );
                    assert_eq!(bits(&fused_z), bits(&expected_z), "W X + b");
                    assert_eq!(bits(&fused_a), bits(&expected_z.map(f64::tanh)), "tanh(W X + b)");
                    n_checked += 1;
                }
            }
        }
        // 11 × 11 shapes less the 6 × 6 with both sides above 5, times 11 batches.
        assert_eq!(n_checked, (121 - 36) * 11);
    }

    /// Long dot products (several blocks of eight and a tail) in f32 too.
    #[test]
    fn the_dot_product_sums_as_nalgebra_does() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        for len in [0, 1, 7, 8, 9, 16, 23, 100] {
            let a: Vec<f32> = (0..len).map(|_| rng.random_range(-1e3..1e3)).collect();
            let b: Vec<f32> = (0..len).map(|_| rng.random_range(-1e-3..1e-3)).collect();
            let expected = nalgebra::DVector::from_column_slice(&a)
                .dot(&nalgebra::DVector::from_column_slice(&b));
            assert_eq!(dot(&a, &b).to_bits(), expected.to_bits(), "length {len}");
        }
    }
}
