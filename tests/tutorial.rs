//! Every number of the tutorial, from tests/reference/tutorial.py (computed independently in
//! double precision), reproduced to 1e-8: forward pass, E, both backpropagation tables, the
//! updated weights and E after the step.

use approx::assert_abs_diff_eq;
use mlp_core::{Network, ParamId};

use crate::util::{tutorial_inputs, tutorial_network, tutorial_targets};

const TOLERANCE: f64 = 1e-8;

/// One row of a backpropagation table of docs/tutorial.md.
struct Row {
    name: &'static str,
    de_da: f64,
    da_dz: f64,
    dz_dw: f64,
    de_dw: f64,
    updated: f64,
}

/// The two tables of docs/tutorial.md, output layer first, as printed there.
const TABLES: [Row; 8] = [
    Row {
        name: "W5",
        de_da: 0.20944600,
        da_dz: 0.23802157,
        dz_dw: 0.51998934,
        de_dw: 0.02592286,
        updated: 0.43703857,
    },
    Row {
        name: "W6",
        de_da: 0.20944600,
        da_dz: 0.23802157,
        dz_dw: 0.52747230,
        de_dw: 0.02629590,
        updated: 0.38685205,
    },
    Row {
        name: "W7",
        de_da: 0.06384491,
        da_dz: 0.22315485,
        dz_dw: 0.51998934,
        de_dw: 0.00740844,
        updated: 0.69629578,
    },
    Row {
        name: "W8",
        de_da: 0.06384491,
        da_dz: 0.22315485,
        dz_dw: 0.52747230,
        de_dw: 0.00751506,
        updated: 0.59624247,
    },
    Row {
        name: "W1",
        de_da: 0.03240681,
        da_dz: 0.24960043,
        dz_dw: 0.1,
        de_dw: 0.00080888,
        updated: 0.29959556,
    },
    Row {
        name: "W2",
        de_da: 0.03240681,
        da_dz: 0.24960043,
        dz_dw: 0.2,
        de_dw: 0.00161775,
        updated: 0.24919112,
    },
    Row {
        name: "W3",
        de_da: 0.02848945,
        da_dz: 0.24924527,
        dz_dw: 0.1,
        de_dw: 0.00071009,
        updated: 0.39964496,
    },
    Row {
        name: "W4",
        de_da: 0.02848945,
        da_dz: 0.24924527,
        dz_dw: 0.2,
        de_dw: 0.00142017,
        updated: 0.34928991,
    },
];

fn weight(network: &Network, id: ParamId) -> f64 {
    network.layers()[id.layer].weights()[(id.to, id.from.expect("a weight"))]
}

#[test]
fn forward_pass_and_total_error() {
    let network = tutorial_network::<f64>();
    let (tape, _, loss) = network.backpropagate(&tutorial_inputs(), &tutorial_targets()).unwrap();
    let hidden = tape.factors(0);
    let output = tape.factors(1);
    // z1, z2 = 0.08, 0.11; h1, h2 = 0.51998934, 0.52747230.
    assert_abs_diff_eq!(hidden.z[(0, 0)], 0.08, epsilon = TOLERANCE);
    assert_abs_diff_eq!(hidden.z[(1, 0)], 0.11, epsilon = TOLERANCE);
    assert_abs_diff_eq!(hidden.a[(0, 0)], 0.51998934, epsilon = TOLERANCE);
    assert_abs_diff_eq!(hidden.a[(1, 0)], 0.52747230, epsilon = TOLERANCE);
    // z3, z4 = 0.44498412, 0.68047592; o1, o2 = 0.60944600, 0.66384491.
    assert_abs_diff_eq!(output.z[(0, 0)], 0.44498412, epsilon = TOLERANCE);
    assert_abs_diff_eq!(output.z[(1, 0)], 0.68047592, epsilon = TOLERANCE);
    assert_abs_diff_eq!(output.a[(0, 0)], 0.60944600, epsilon = TOLERANCE);
    assert_abs_diff_eq!(output.a[(1, 0)], 0.66384491, epsilon = TOLERANCE);
    // E_o1 + E_o2 = 0.02193381 + 0.00203809 = E_total = 0.02397190.
    let (o1, o2) = (output.a[(0, 0)], output.a[(1, 0)]);
    assert_abs_diff_eq!(0.5 * (0.4 - o1) * (0.4 - o1), 0.02193381, epsilon = TOLERANCE);
    assert_abs_diff_eq!(0.5 * (0.6 - o2) * (0.6 - o2), 0.00203809, epsilon = TOLERANCE);
    assert_abs_diff_eq!(loss, 0.02397190, epsilon = TOLERANCE);
    assert_abs_diff_eq!(tape.sample_losses()[0], 0.02397190, epsilon = TOLERANCE);
}

#[test]
fn both_backpropagation_tables_factor_by_factor() {
    let network = tutorial_network::<f64>();
    let names = network.parameter_names();
    let (tape, gradients, _) =
        network.backpropagate(&tutorial_inputs(), &tutorial_targets()).unwrap();
    let mut stepped = network.clone();
    stepped.descend(&gradients, 0.5);
    for row in &TABLES {
        let id = names.find(row.name).unwrap();
        let factors = tape.factors(id.layer);
        let (de_da, da_dz) = (factors.de_da.unwrap(), factors.da_dz.unwrap());
        let context = row.name;
        assert_abs_diff_eq!(de_da[(id.to, 0)], row.de_da, epsilon = TOLERANCE);
        assert_abs_diff_eq!(da_dz[(id.to, 0)], row.da_dz, epsilon = TOLERANCE);
        assert_abs_diff_eq!(factors.dz_dw(0, id.from), row.dz_dw, epsilon = TOLERANCE);
        assert_abs_diff_eq!(factors.de_dw(0, id.to, id.from), row.de_dw, epsilon = TOLERANCE);
        assert_abs_diff_eq!(gradients.get(id), row.de_dw, epsilon = TOLERANCE);
        // The chain rule, written out as the tutorial writes it.
        let product = de_da[(id.to, 0)] * da_dz[(id.to, 0)] * factors.dz_dw(0, id.from);
        assert_abs_diff_eq!(product, row.de_dw, epsilon = TOLERANCE);
        assert!((weight(&stepped, id) - row.updated).abs() < TOLERANCE, "{context}");
    }
}

#[test]
fn parameter_names_follow_the_tutorial() {
    let names = tutorial_network::<f64>().parameter_names();
    let listed: Vec<_> =
        names.iter().map(|(id, name)| (name.to_owned(), id.layer, id.to, id.from)).collect();
    assert_eq!(listed[0], ("W1".to_owned(), 0, 0, Some(0)));
    assert_eq!(listed[1], ("W2".to_owned(), 0, 0, Some(1))); // h1 from x2
    assert_eq!(listed[4], ("W5".to_owned(), 1, 0, Some(0))); // o1 from h1
    assert_eq!(listed[6], ("W7".to_owned(), 1, 1, Some(0))); // o2 from h1
    assert_eq!(listed.len(), 8);
}

#[test]
fn total_error_after_one_and_a_thousand_steps() {
    let mut network = tutorial_network::<f64>();
    let (inputs, targets) = (tutorial_inputs(), tutorial_targets());
    let mut tape = network.tape(std::num::NonZeroUsize::MIN);
    let mut gradients = network.zero_gradients();
    tape.load(inputs.columns(0, 1), targets.columns(0, 1)).unwrap();
    let mut losses = Vec::new();
    for _ in 0..=1000 {
        network.forward(&mut tape);
        losses.push(network.backward(&mut tape, &mut gradients));
        network.descend(&gradients, 0.5);
    }
    // docs/tutorial.md: 0.02323634 after the first update; "about 3.09e-16 after 1,000 steps"
    // is the E a loop prints at its 1,000th step, computed before that step's update
    // (losses[999]: 3.0936e-16 here; one update later it is 2.9969e-16).
    assert_abs_diff_eq!(losses[1], 0.02323634, epsilon = TOLERANCE);
    assert!((losses[999] / 3.09e-16 - 1.0).abs() < 0.005, "E at step 1000: {:e}", losses[999]);
    assert!(losses[1000] < losses[999]);
}

#[test]
fn f32_reproduces_the_tutorial_to_single_precision() {
    let network = tutorial_network::<f32>();
    let (_, gradients, loss) =
        network.backpropagate(&tutorial_inputs(), &tutorial_targets()).unwrap();
    let w5 = network.parameter_names().find("W5").unwrap();
    assert!((loss - 0.0239719_f32).abs() < 1e-6);
    assert!((gradients.get(w5) - 0.02592286).abs() < 1e-6);
}
