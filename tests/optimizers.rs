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
use mlp_train::{train, Freeze, Optimizer, OptimizerState, ParamKind, TrainConfig};
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

/// The 2-3-2 network of tests/reference/training.py ("optimizers"): tanh hidden layer with
/// biases, identity output with biases, MSE; and its batch of 4 samples (columns).
fn reference_network_and_data() -> (Network, mlp_train::Dataset) {
    let network = Network::new(
        vec![
            Dense::new(
                DMatrix::from_row_slice(3, 2, &[0.4, -0.3, 0.25, 0.9, -0.6, 0.15]),
                Some(nalgebra::dvector![0.1, -0.2, 0.05]),
                Activation::Tanh,
            ),
            Dense::new(
                DMatrix::from_row_slice(2, 3, &[0.7, -0.45, 0.3, -0.35, 0.6, 0.8]),
                Some(nalgebra::dvector![0.2, -0.1]),
                Activation::Identity,
            ),
        ],
        Loss::MeanSquared,
    )
    .unwrap();
    let inputs =
        DMatrix::from_row_slice(4, 2, &[0.5, -1.0, 1.5, 0.25, -0.75, 0.8, 0.1, 2.0]).transpose();
    let targets =
        DMatrix::from_row_slice(4, 2, &[0.3, -0.2, 0.9, 0.4, -0.5, 0.7, 0.05, -1.3]).transpose();
    (network, mlp_train::Dataset::numbered(inputs, targets).unwrap())
}

/// Torch's parameters after 12 steps: W1 (row-major), b1, W2 (row-major), b2.
struct Expected {
    w1: [f64; 6],
    b1: [f64; 3],
    w2: [f64; 6],
    b2: [f64; 2],
}

/// Trains the reference network for 12 whole-batch steps (12 epochs of one batch, in order)
/// under `optimizer` with L2 0.01 and compares every parameter with torch's to a relative
/// 1e-12; returns the history's losses.
fn twelve_steps(optimizer: Optimizer, rate: f64, freeze: Freeze, expected: &Expected) -> Vec<f64> {
    let (mut network, data) = reference_network_and_data();
    let config = TrainConfig {
        epochs: 12,
        batch_size: 4,
        optimizer,
        learning_rate: rate,
        l2: 0.01,
        shuffle: false,
        threads: 1,
        freeze,
        ..TrainConfig::default()
    };
    let report = train(&mut network, &data, None, &config).unwrap();
    let close = |found: &[f64], expected: &[f64], what: &str| {
        assert_eq!(found.len(), expected.len());
        for (index, (&found, &expected)) in found.iter().zip(expected).enumerate() {
            let scale = found.abs().max(expected.abs());
            assert!(
                (found - expected).abs() <= 1e-12 * scale,
                "{optimizer:?} {what}[{index}]: {found:?}, torch {expected:?}"
            );
        }
    };
    let layers = network.layers();
    let row_major = |layer: usize| -> Vec<f64> {
        layers[layer].weights().transpose().iter().copied().collect()
    };
    close(&row_major(0), &expected.w1, "W1");
    close(layers[0].bias().unwrap().as_slice(), &expected.b1, "b1");
    close(&row_major(1), &expected.w2, "W2");
    close(layers[1].bias().unwrap().as_slice(), &expected.b2, "b2");
    report.history.iter().map(|record| record.loss).collect()
}

/// 12 steps against a torch float64 trajectory (tests/reference/training.py, "optimizers"):
/// biases trained, L2 0.01 on the weights only (torch: the biases in a group with
/// weight_decay 0). Decaying the biases, or dropping MSE's 1/K, moves every number here.
#[test]
fn every_optimizer_follows_torchs_trajectory_with_biases_and_l2() {
    let cases = [
        (
            Optimizer::Sgd,
            0.1,
            Expected {
                w1: [
                    0.4959918856751535,
                    0.00571382080263282,
                    0.273786864547457,
                    0.8546876187557072,
                    -0.43416638953473247,
                    -0.3240577226971603,
                ],
                b1: [0.08166117061543839, -0.06460828090261955, 0.020631385992174674],
                w2: [
                    0.7672549384163172,
                    -0.25500182895956613,
                    0.15558977570757312,
                    -0.11507772777152406,
                    0.28707254650864406,
                    0.7141321326367936,
                ],
                b2: [0.1882993813312594, -0.044875783615974815],
            },
        ),
        (
            Optimizer::MOMENTUM,
            0.1,
            Expected {
                w1: [
                    0.7791982017950583,
                    0.30309203576091703,
                    0.32351644689885223,
                    0.6623846903015649,
                    -0.09757030490924816,
                    -1.15492821183651,
                ],
                b1: [-0.14593383569141027, 0.1884609767469075, 0.08738028884959693],
                w2: [
                    0.8535409114571779,
                    -0.05676391350349609,
                    0.151615905559508,
                    0.30530686746497987,
                    -0.3737045803404213,
                    0.20328453556850207,
                ],
                b2: [-0.09400367826179022, 0.10999813689210643],
            },
        ),
        (
            Optimizer::NESTEROV,
            0.1,
            Expected {
                w1: [
                    0.8088029126364863,
                    0.13521342661329297,
                    0.27948496936540185,
                    0.716274531310385,
                    -0.18021741349446946,
                    -0.8637180859599641,
                ],
                b1: [-0.17110980063425507, 0.17529549005739364, 0.21202767432032144],
                w2: [
                    0.9570603488558292,
                    -0.04889924454364499,
                    0.06526769873481011,
                    0.14317793106393636,
                    -0.1896871588538693,
                    0.36020011722541134,
                ],
                b2: [-0.010466671269826987, 0.08557967614647566],
            },
        ),
        (
            Optimizer::ADAM,
            0.01,
            Expected {
                w1: [
                    0.5212646192967527,
                    -0.18262039150795514,
                    0.3666493514500962,
                    0.7832977072473514,
                    -0.483680362273505,
                    0.03209090067137411,
                ],
                b1: [0.17318012389345339, -0.07882085389021966, -0.06535794209771396],
                w2: [
                    0.8213892919594611,
                    -0.3318038605230117,
                    0.18229359994580888,
                    -0.2332690960428498,
                    0.48350148883987976,
                    0.6856706288987817,
                ],
                b2: [0.2192929610925775, -0.1264000121738077],
            },
        ),
    ];
    for (optimizer, rate, expected) in &cases {
        let losses = twelve_steps(*optimizer, *rate, Freeze::none(), expected);
        if *optimizer == Optimizer::Sgd {
            // Torch's loss before each step; the history's mean over one batch is that loss.
            let torch = [
                0.9245188743231095,
                0.757890338542289,
                0.6428377904998415,
                0.5615960215967736,
                0.5025847879282181,
                0.4584236307339594,
                0.42444819485736374,
                0.39766884679928194,
                0.3761181952937211,
                0.35846306762597874,
                0.3437746072823997,
                0.3313892744603525,
            ];
            for (found, expected) in losses.iter().zip(torch) {
                assert!((found - expected).abs() <= 1e-12 * expected, "{found:?} vs {expected:?}");
            }
        }
    }
}

/// Momentum with L2 and frozen biases against torch with the biases left out of the optimizer
/// (tests/reference/training.py, "frozen biases"): the biases keep their bits, and the weights
/// follow torch's trajectory, so neither L2 nor the velocity touches a frozen parameter.
#[test]
fn frozen_biases_under_momentum_and_l2_follow_torch() {
    let expected = Expected {
        w1: [
            0.7677447933078971,
            0.3253361438565474,
            0.3111823546247261,
            0.6517380166781501,
            -0.062318893911064724,
            -1.1770336698519757,
        ],
        b1: [0.1, -0.2, 0.05],
        w2: [
            0.763583486176568,
            -0.06834075427893767,
            0.21104338791781022,
            0.35651203015480804,
            -0.46675737075810747,
            0.16528229799339267,
        ],
        b2: [0.2, -0.1],
    };
    twelve_steps(Optimizer::MOMENTUM, 0.1, Freeze::all(ParamKind::Biases), &expected);
}
