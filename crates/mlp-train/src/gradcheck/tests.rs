//! Tests of the gradient check against PyTorch (tests/reference/gradcheck.py), a wrong gradient,
//! and ReLU kinks.

use mlp_core::nalgebra::{dmatrix, dvector, DMatrix};
use mlp_core::{Dense, Loss};

use super::*;

/// `tests/reference/gradcheck.py`'s network A: 3 → 4 tanh → 3 softmax, cross-entropy, two
/// samples (one per column).
fn network_a() -> (Network, DMatrix<f64>, DMatrix<f64>) {
    let hidden = Dense::new(
        dmatrix![0.2, -0.5, 0.1; 0.7, 0.3, -0.4; -0.6, 0.25, 0.9; 0.05, -0.15, 0.35],
        Some(dvector![0.1, -0.2, 0.05, 0.3]),
        Activation::Tanh,
    );
    let output = Dense::new(
        dmatrix![0.4, -0.3, 0.8, -0.1; -0.7, 0.6, 0.2, 0.5; 0.3, 0.1, -0.45, 0.65],
        Some(dvector![0.0, 0.15, -0.1]),
        Activation::Softmax,
    );
    let network = Network::new(vec![hidden, output], Loss::CrossEntropy).unwrap();
    let inputs = dmatrix![0.5, -0.3; -1.0, 0.8; 2.0, 0.1];
    let targets = dmatrix![0.0, 1.0; 1.0, 0.0; 0.0, 0.0];
    (network, inputs, targets)
}

/// The script's network B: 2 → 3 sigmoid → 2 sigmoid, sse, two samples.
fn network_b() -> (Network, DMatrix<f64>, DMatrix<f64>) {
    let hidden = Dense::new(
        dmatrix![0.30, 0.25; 0.40, 0.35; -0.2, 0.6],
        Some(dvector![0.35, -0.1, 0.2]),
        Activation::Sigmoid,
    );
    let output = Dense::new(
        dmatrix![0.45, 0.40, -0.3; 0.70, 0.60, 0.1],
        Some(dvector![0.60, -0.25]),
        Activation::Sigmoid,
    );
    let network = Network::new(vec![hidden, output], Loss::HalfSumSquared).unwrap();
    let inputs = dmatrix![0.1, 0.9; 0.2, -0.4];
    let targets = dmatrix![0.4, 0.1; 0.6, 0.95];
    (network, inputs, targets)
}

/// (name, torch autograd's ∂E/∂w, torch's central difference) for network A, loss
/// 1.4187964921643643.
const TORCH_A: &[(&str, f64, f64)] = &[
    ("W1", 0.17552597587478763, 0.17552597588714955),
    ("W2", -0.39500835553252134, -0.39500835553666536),
    ("W3", 0.4163872789100009, 0.41638727893438854),
    ("W4", -0.14220377955173602, -0.14220377955241106),
    ("W5", 0.3293568904419696, 0.3293568904269054),
    ("W6", -0.27664446450671026, -0.2766444645249675),
    ("W7", 0.07242677161993367, 0.07242677161378373),
    ("W8", -0.1843013907112577, -0.18430139070417126),
    ("W9", 0.03329607791569769, 0.03329607792827592),
    ("W10", -0.08501282739310158, -0.08501282737769128),
    ("W11", 0.20946826240721017, 0.209468262401881),
    ("W12", -0.08367436003586089, -0.08367436005177156),
    ("W13", 0.3220494361062952, 0.32204943609638315),
    ("W14", -0.15696296768357415, -0.15696296768992046),
    ("W15", 0.10786582108739806, 0.10786582107562799),
    ("W16", 0.18589758104984525, 0.1858975810509921),
    ("W17", -0.37359349674312115, -0.3735934967291981),
    ("W18", 0.26602130194002055, 0.2660213019435203),
    ("W19", -0.25872764075005544, -0.25872764075592575),
    ("W20", -0.3042555483020014, -0.3042555482895965),
    ("W21", 0.05154406063682594, 0.051544060641843324),
    ("W22", -0.10905833425644637, -0.1090583342522745),
    ("W23", 0.15086181966265733, 0.15086181966979428),
    ("W24", 0.1183579672521561, 0.11835796724977718),
    ("b1", -0.0005992785139935508, -0.0005992785045985208),
    ("b2", 0.07518709160450801, 0.07518709160817791),
    ("b3", -0.17072923653125513, -0.17072923653710706),
    ("b4", 0.14551520618185276, 0.14551520617341765),
    ("b5", -0.01602269835409792, -0.016022698345885544),
    ("b6", -0.20392308476353185, -0.2039230847737009),
    ("b7", 0.21994578311762975, 0.21994578310877344),
];

/// The same for network B, loss 0.14643959147559438.
const TORCH_B: &[(&str, f64, f64)] = &[
    ("W1", 0.0009195853462684602, 0.0009195853467582578),
    ("W2", 0.000574556438788864, 0.0005745564385367468),
    ("W3", 0.001044530906611956, 0.0010445309062124366),
    ("W4", 0.0004460003217961706, 0.0004460003213964095),
    ("W5", -0.005198852415584214, -0.005198852416616126),
    ("W6", 0.001758679904466311, 0.001758679903104642),
    ("W7", 0.05848194029280646, 0.05848194029039724),
    ("W8", 0.04911630140671226, 0.049116301406532954),
    ("W9", 0.046129752271955204, 0.04612975227076093),
    ("W10", -0.020813189817197274, -0.020813189816154896),
    ("W11", -0.017621327123022227, -0.017621327123931423),
    ("W12", -0.01426775856815876, -0.01426775856767091),
    ("b1", 0.004597256176328033, 0.0045972561743499825),
    ("b2", 0.0044705400063823186, 0.004470540007630098),
    ("b3", -0.007783488753533997, -0.007783488753513299),
    ("b4", 0.09433480505384162, 0.0943348050540379),
    ("b5", -0.03306770354585328, -0.03306770354618595),
];

/// Backprop equals autograd to rounding, and the checker's finite difference equals the one
/// torch's loss gives to within the difference's own noise (about 1e-11 here): the checker
/// computes the derivatives it compares as an independent program does.
fn agrees_with_torch(
    (network, inputs, targets): (Network, DMatrix<f64>, DMatrix<f64>),
    torch: &[(&str, f64, f64)],
    torch_loss: f64,
) {
    let check = gradient_check(&network, &inputs, &targets, GradCheckConfig::default()).unwrap();
    assert!((check.loss - torch_loss).abs() <= 1e-15 * torch_loss, "{}", check.loss);
    assert_eq!(check.parameters.len(), torch.len());
    for &(name, autograd, numeric) in torch {
        let parameter = check.parameters.iter().find(|p| p.name == name).unwrap();
        assert!((parameter.backprop - autograd).abs() <= 1e-14, "{name}: {parameter:?}");
        assert!((parameter.numeric - numeric).abs() <= 1e-10, "{name}: {parameter:?} {numeric}");
        assert!(!parameter.at_kink);
    }
    assert!(check.passes(DEFAULT_TOLERANCE), "{:?}", check.worst());
    assert_eq!(check.n_samples, 2);
}

#[test]
fn softmax_cross_entropy_derivatives_match_torch() {
    agrees_with_torch(network_a(), TORCH_A, 1.4187964921643643);
}

#[test]
fn sigmoid_sse_derivatives_match_torch() {
    agrees_with_torch(network_b(), TORCH_B, 0.14643959147559438);
}

/// The per-layer summary holds each layer's worst weight and worst bias, and the worst of all.
#[test]
fn layers_hold_their_worst_weight_and_bias() {
    let (network, inputs, targets) = network_a();
    let check = gradient_check(&network, &inputs, &targets, GradCheckConfig::default()).unwrap();
    assert_eq!(check.layers.len(), 2);
    for layer in &check.layers {
        let of_layer = |bias: bool| {
            check
                .parameters
                .iter()
                .filter(move |p| p.id.layer == layer.layer && p.id.is_bias() == bias)
        };
        let largest = |bias: bool| of_layer(bias).map(|p| p.relative_error).fold(0.0, f64::max);
        assert_eq!(layer.weights.as_ref().unwrap().relative_error, largest(false));
        assert_eq!(layer.biases.as_ref().unwrap().relative_error, largest(true));
        assert_eq!(layer.n_weights, of_layer(false).count());
        assert_eq!(layer.n_biases, of_layer(true).count());
    }
    assert_eq!((check.layers[0].n_weights, check.layers[1].n_biases), (12, 3));
    let worst = check.worst().unwrap();
    assert!(check.parameters.iter().all(|p| p.relative_error <= worst.relative_error));
}

/// A gradient wrong by 1e-4 of itself in one parameter fails, naming that parameter and its
/// layer; the others still pass.
#[test]
fn a_wrong_gradient_fails_naming_its_layer_and_parameter() {
    for (name, (network, inputs, targets)) in [("W17", network_a()), ("b2", network_b())] {
        let (_, mut gradients, _) = network.backpropagate(&inputs, &targets).unwrap();
        let id = network.parameter_names().find(name).unwrap();
        let right = gradients.get(id);
        let block = if id.is_bias() { 1 } else { 0 };
        let index = match id.from {
            // Column-major storage: W[(to, from)] is at from · n_outputs + to.
            Some(from) => from * network.layers()[id.layer].n_outputs() + id.to,
            None => id.to,
        };
        let mut blocks: Vec<&mut [f64]> = gradients.blocks_mut().collect();
        blocks[2 * id.layer + block][index] = right * (1.0 + 1e-4);
        let check =
            check_gradients(&network, &inputs, &targets, &gradients, GradCheckConfig::default())
                .unwrap();
        assert!(!check.passes(DEFAULT_TOLERANCE));
        let failures = check.failures(DEFAULT_TOLERANCE);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].name, name);
        assert_eq!(failures[0].id, id);
        assert!((failures[0].relative_error - 1e-4).abs() < 1e-6, "{failures:?}");
        assert_eq!(check.worst().unwrap().name, name);
    }
}

/// The tutorial's network passes with every error far below the tolerance.
#[test]
fn the_tutorials_network_passes() {
    let network = Network::new(
        vec![
            Dense::new(dmatrix![0.30, 0.25; 0.40, 0.35], None, Activation::Sigmoid),
            Dense::new(dmatrix![0.45, 0.40; 0.70, 0.60], None, Activation::Sigmoid),
        ],
        Loss::HalfSumSquared,
    )
    .unwrap();
    let (x, t) = (dmatrix![0.1; 0.2], dmatrix![0.4; 0.6]);
    let check = gradient_check(&network, &x, &t, GradCheckConfig::default()).unwrap();
    assert!(check.worst().unwrap().relative_error < 1e-8, "{:?}", check.worst());
    let w5 = check.parameters.iter().find(|p| p.name == "W5").unwrap();
    // docs/tutorial.md: ∂E/∂W5 = 0.02592286.
    assert!((w5.backprop - 0.02592286).abs() < 1e-8);
    assert!(check.layers.iter().all(|layer| layer.biases.is_none() && layer.n_biases == 0));
}

/// A ReLU unit at its kink (z = 0.5 · 1 − 0.5 = 0 exactly): moving its weight or bias by ±h
/// crosses the kink, so both are counted as kinks and left out, and the check passes; the
/// output layer's parameters are checked.
#[test]
fn relu_kinks_are_counted_not_failed() {
    let hidden = Dense::new(dmatrix![0.5; 2.0], Some(dvector![-0.5, 0.25]), Activation::Relu);
    let output = Dense::new(dmatrix![1.5, -0.5], None, Activation::Identity);
    let network = Network::new(vec![hidden, output], Loss::HalfSumSquared).unwrap();
    let (x, t) = (dmatrix![1.0], dmatrix![0.3]);
    let check = gradient_check(&network, &x, &t, GradCheckConfig::default()).unwrap();
    let at_kink: Vec<&str> =
        check.parameters.iter().filter(|p| p.at_kink).map(|p| p.name.as_str()).collect();
    assert_eq!(at_kink, ["W1", "b1"]);
    assert_eq!(check.layers[0].n_kinks, 2);
    assert_eq!(check.layers[0].weights.as_ref().unwrap().name, "W2");
    assert!(check.passes(DEFAULT_TOLERANCE));
}

#[test]
fn gradients_of_another_network_are_refused() {
    let (network, inputs, targets) = network_a();
    let (other, ..) = network_b();
    let gradients = other.zero_gradients();
    let err = check_gradients(&network, &inputs, &targets, &gradients, GradCheckConfig::default())
        .unwrap_err();
    assert!(matches!(err, GradCheckError::Gradients { expected: 31, found: 17 }), "{err}");
    let two_inputs = dmatrix![1.0; 2.0];
    let err =
        gradient_check(&network, &two_inputs, targets.columns(0, 1), GradCheckConfig::default())
            .unwrap_err();
    assert!(matches!(err, GradCheckError::Batch(_)), "{err}");
}
