//! Optimizer updates against numbers computed independently.
//!
//! Problem: one identity neuron without bias, w = (0.3, −0.2), x = (1, 2), t = 0.5,
//! E = ½ (w·x − t)², so ∂E/∂w = (w·x − t) x; two steps, η = 0.1. Reference values from this
//! plain-Python transcription of PyTorch's update rules (torch.optim SGD, SGD(momentum=0.9),
//! SGD(momentum=0.9, nesterov=True), Adam()):
//!
//! ```python
//! def run(kind, lr, steps=2, mu=0.9, l2=0.0):
//!     w=[0.3,-0.2]; v=[0,0]; m=[0,0]; s=[0,0]
//!     for k in range(1,steps+1):
//!         z=w[0]*1+w[1]*2; g=[(z-0.5)*1+l2*w[0], (z-0.5)*2+l2*w[1]]
//!         for i in range(2):
//!             if kind=='sgd': w[i]-=lr*g[i]
//!             elif kind in('momentum','nesterov'):
//!                 v[i]=mu*v[i]+g[i]
//!                 w[i]-= lr*(g[i]+mu*v[i]) if kind=='nesterov' else lr*v[i]
//!             else:
//!                 m[i]=0.9*m[i]+0.1*g[i]; s[i]=0.999*s[i]+0.001*g[i]*g[i]
//!                 mh=m[i]/(1-0.9**k); sh=s[i]/(1-0.999**k)
//!                 w[i]-=lr*mh/(math.sqrt(sh)+1e-8)
//!     return w
//! ```
//! Momentum by hand: g₁ = (−0.6, −1.2), w₁ = (0.36, −0.08); g₂ = (−0.3, −0.6),
//! v₂ = 0.9 g₁ + g₂ = (−0.84, −1.68), w₂ = (0.444, 0.088).

use approx::assert_relative_eq;
use mlp_core::{Activation, Dense, Loss, Network};
use mlp_train::{Optimizer, OptimizerState};
use nalgebra::DMatrix;

fn two_steps(optimizer: Optimizer, l2: f64) -> [f64; 2] {
    let mut network = Network::new(
        vec![Dense::new(DMatrix::from_row_slice(1, 2, &[0.3, -0.2]), None, Activation::Identity)],
        Loss::HalfSumSquared,
    )
    .unwrap();
    let inputs = DMatrix::from_column_slice(2, 1, &[1.0, 2.0]);
    let targets = DMatrix::from_element(1, 1, 0.5);
    let mut state = OptimizerState::new(optimizer, &network);
    for _ in 0..2 {
        let (_, gradients, _) = network.backpropagate(&inputs, &targets).unwrap();
        state.step(&mut network, &gradients, 0.1, l2);
    }
    let weights = network.layers()[0].weights();
    [weights[(0, 0)], weights[(0, 1)]]
}

#[test]
fn sgd() {
    let [w1, w2] = two_steps(Optimizer::Sgd, 0.0);
    assert_relative_eq!(w1, 0.39, epsilon = 1e-12);
    assert_relative_eq!(w2, -0.01999999999999999, epsilon = 1e-12);
}

#[test]
fn sgd_with_l2_decay() {
    let [w1, w2] = two_steps(Optimizer::Sgd, 0.01);
    assert_relative_eq!(w1, 0.3893303, epsilon = 1e-12);
    assert_relative_eq!(w2, -0.019740199999999992, epsilon = 1e-12);
}

#[test]
fn momentum() {
    let [w1, w2] = two_steps(Optimizer::MOMENTUM, 0.0);
    assert_relative_eq!(w1, 0.444, epsilon = 1e-12);
    assert_relative_eq!(w2, 0.08800000000000005, epsilon = 1e-12);
}

#[test]
fn nesterov() {
    let [w1, w2] = two_steps(Optimizer::NESTEROV, 0.0);
    assert_relative_eq!(w1, 0.46830000000000005, epsilon = 1e-12);
    assert_relative_eq!(w2, 0.13660000000000005, epsilon = 1e-12);
}

#[test]
fn adam() {
    let [w1, w2] = two_steps(Optimizer::ADAM, 0.0);
    assert_relative_eq!(w1, 0.49321796041156724, epsilon = 1e-12);
    assert_relative_eq!(w2, -0.0067820377723483705, epsilon = 1e-12);
}
