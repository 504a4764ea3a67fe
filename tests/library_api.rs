//! mlp-core as an outside crate uses it: matrices named through the re-exported nalgebra,
//! batches loaded from `&x` or any view, parameters by name, predictions from slices and rows,
//! names parsed, errors through `?`, and the two cargo examples run and checked.

use std::error::Error;

// What an outside program writes: nalgebra through mlp-core (the macros need the name in scope).
use mlp_core::nalgebra::{self, dmatrix, dvector, DMatrix};
use mlp_core::{
    Activation, BatchError, Dense, Loss, Network, ParamId, ParseActivationError, ParseLossError,
};

// The examples' own code, called as functions (`cargo run --example` is too slow for a test).
#[allow(dead_code)]
#[path = "../crates/mlp-core/examples/tutorial_step.rs"]
mod tutorial_step;

#[allow(dead_code)]
#[path = "../crates/mlp-core/examples/training_loop.rs"]
mod training_loop;

type Result<T = ()> = std::result::Result<T, Box<dyn Error>>;

fn tutorial_network() -> Result<Network> {
    Ok(Network::new(
        vec![
            Dense::new(dmatrix![0.30, 0.25; 0.40, 0.35], None, Activation::Sigmoid),
            Dense::new(dmatrix![0.45, 0.40; 0.70, 0.60], None, Activation::Sigmoid),
        ],
        Loss::HalfSumSquared,
    )?)
}

/// 2 inputs → 3 tanh neurons with biases → 2 identity outputs without: every weight differs,
/// and the layers are not square, so a row/column mix-up shows.
fn biased_network() -> Result<Network> {
    Ok(Network::new(
        vec![
            Dense::new(
                dmatrix![0.1, 0.2; 0.3, 0.4; 0.5, 0.6],
                Some(dvector![0.7, 0.8, 0.9]),
                Activation::Tanh,
            ),
            Dense::new(dmatrix![1.1, 1.2, 1.3; 1.4, 1.5, 1.6], None, Activation::Identity),
        ],
        Loss::MeanSquared,
    )?)
}

fn assert_close(found: f64, expected: f64, relative: f64, what: &str) {
    let error = (found - expected).abs() / expected.abs().max(f64::MIN_POSITIVE);
    assert!(error <= relative, "{what}: {found:e} ≠ {expected:e} (relative error {error:e})");
}

/// `&x`, `x.as_view()`, `x.columns(..)`, a view of a view and a fixed-size matrix all load;
/// the tape holds the same numbers and the forward pass gives the same bits.
#[test]
fn a_tape_loads_a_reference_a_view_or_a_fixed_size_matrix() -> Result {
    let network = biased_network()?;
    let x: DMatrix<f64> = dmatrix![1.0, -2.0, 0.5; 3.0, 0.25, -1.0];
    let t: DMatrix<f64> = dmatrix![1.0, 0.0, 2.0; 0.0, 1.0, -1.0];
    let mut tape = network.try_tape(3)?;
    let mut outputs = Vec::new();

    tape.load(&x, &t)?;
    assert_eq!(tape.inputs(), x.columns(0, 3));
    assert_eq!(tape.targets(), t.columns(0, 3));
    network.forward(&mut tape);
    outputs.push(tape.outputs().into_owned());

    tape.load(x.as_view(), t.as_view())?;
    network.forward(&mut tape);
    outputs.push(tape.outputs().into_owned());

    tape.load(x.columns(0, 3), t.columns(0, 3))?;
    network.forward(&mut tape);
    outputs.push(tape.outputs().into_owned());

    let view = x.columns(0, 3);
    tape.load_inputs(view.rows(0, 2))?; // a view of a view
    network.forward(&mut tape);
    outputs.push(tape.outputs().into_owned());

    for other in &outputs[1..] {
        assert_eq!(other, &outputs[0]);
    }
    assert_eq!(network.predict(&x)?, outputs[0]);
    assert_eq!(network.predict(x.as_view())?, outputs[0]);

    // A statically sized sample: the first column of x.
    let sample = nalgebra::Vector2::new(1.0, 3.0);
    tape.load_inputs(&sample)?;
    network.forward(&mut tape);
    assert_eq!(tape.outputs(), outputs[0].columns(0, 1));

    // Shapes are still checked, with typed errors.
    let wrong: DMatrix<f64> = DMatrix::zeros(3, 2);
    assert_eq!(tape.load_inputs(&wrong), Err(BatchError::Inputs { expected: 2, found: 3 }));
    assert_eq!(
        tape.load(&x, t.columns(0, 2)),
        Err(BatchError::SampleCount { inputs: 3, targets: 2 })
    );
    let four = DMatrix::zeros(2, 4);
    assert_eq!(tape.load_inputs(&four), Err(BatchError::Size { capacity: 3, found: 4 }));
    Ok(())
}

#[test]
fn a_tape_for_no_samples_is_an_error() -> Result {
    let network = tutorial_network()?;
    let err = network.try_tape(0).unwrap_err();
    assert_eq!(err, BatchError::ZeroCapacity);
    assert_eq!(err.to_string(), "a tape must hold at least one sample, not 0");
    assert_eq!(network.try_tape(1)?.capacity(), 1);
    assert_eq!(network.tape(std::num::NonZeroUsize::new(7).ok_or("7 > 0")?).capacity(), 7);
    Ok(())
}

/// The names run row-major (W1 W2 feed neuron 1), the storage column-major: `parameter`,
/// `parameter_mut` and `named_parameters` follow the names, `parameter_blocks` the storage.
#[test]
fn parameters_are_reached_by_name_and_place_in_the_names_order() -> Result {
    let mut network = biased_network()?;
    let named: Vec<(String, ParamId, f64)> = network.named_parameters().collect();
    let expected = [
        ("W1", 0, 0, Some(0), 0.1),
        ("W2", 0, 0, Some(1), 0.2),
        ("W3", 0, 1, Some(0), 0.3),
        ("W4", 0, 1, Some(1), 0.4),
        ("W5", 0, 2, Some(0), 0.5),
        ("W6", 0, 2, Some(1), 0.6),
        ("b1", 0, 0, None, 0.7),
        ("b2", 0, 1, None, 0.8),
        ("b3", 0, 2, None, 0.9),
        ("W7", 1, 0, Some(0), 1.1),
        ("W8", 1, 0, Some(1), 1.2),
        ("W9", 1, 0, Some(2), 1.3),
        ("W10", 1, 1, Some(0), 1.4),
        ("W11", 1, 1, Some(1), 1.5),
        ("W12", 1, 1, Some(2), 1.6),
    ];
    assert_eq!(named.len(), expected.len());
    assert_eq!(network.n_parameters(), expected.len());
    for ((name, id, value), (e_name, layer, to, from, e_value)) in named.iter().zip(expected) {
        assert_eq!((name.as_str(), *id, *value), (e_name, ParamId { layer, to, from }, e_value));
        assert_eq!(network.parameter(*id), Some(e_value));
        assert_eq!(network.parameter_names().find(name), Some(*id));
    }
    let ids: Vec<ParamId> = network.parameter_ids().collect();
    let from_names: Vec<ParamId> = network.parameter_names().iter().map(|(id, _)| id).collect();
    assert_eq!(ids, from_names);
    let values: Vec<(ParamId, f64)> = network.parameters().collect();
    assert_eq!(values, named.iter().map(|&(_, id, v)| (id, v)).collect::<Vec<_>>());

    // The storage order is column-major: W1 W3 W5 W2 W4 W6, then b1..b3, then W7 W10 W8 ….
    let blocks: Vec<Vec<f64>> = network.parameter_blocks().map(<[f64]>::to_vec).collect();
    assert_eq!(
        blocks,
        [
            vec![0.1, 0.3, 0.5, 0.2, 0.4, 0.6],
            vec![0.7, 0.8, 0.9],
            vec![1.1, 1.4, 1.2, 1.5, 1.3, 1.6]
        ]
    );

    // Writing W10 (layer 2, neuron 2, input 1) changes that weight and nothing else.
    let w10 = network.parameter_names().find("W10").ok_or("W10")?;
    *network.parameter_mut(w10).ok_or("W10 exists")? = -4.0;
    assert_eq!(network.layers()[1].weights(), &dmatrix![1.1, 1.2, 1.3; -4.0, 1.5, 1.6]);
    let b2 = ParamId { layer: 0, to: 1, from: None };
    *network.parameter_mut(b2).ok_or("b2 exists")? = 8.0;
    assert_eq!(network.layers()[0].bias(), Some(&dvector![0.7, 8.0, 0.9]));

    // Places the network does not have: None, never a panic.
    for missing in [
        ParamId { layer: 2, to: 0, from: Some(0) },
        ParamId { layer: 0, to: 3, from: Some(0) },
        ParamId { layer: 0, to: 0, from: Some(2) },
        ParamId { layer: 1, to: 2, from: Some(0) },
        ParamId { layer: 1, to: 0, from: None },
        ParamId { layer: 0, to: 3, from: None },
    ] {
        assert_eq!(network.parameter(missing), None, "{missing}");
        assert_eq!(network.parameter_mut(missing), None, "{missing}");
    }
    Ok(())
}

#[test]
fn one_sample_rows_and_row_major_batches_predict_what_a_matrix_does() -> Result {
    let network = biased_network()?;
    let rows = [[1.0, 3.0], [-2.0, 0.25], [0.5, -1.0]];
    let matrix = DMatrix::from_fn(2, 3, |i, sample| rows[sample][i]);
    let expected = network.predict(&matrix)?;
    let column = |sample: usize| expected.column(sample).iter().copied().collect::<Vec<_>>();

    assert_eq!(network.predict_one(&rows[1])?, column(1));
    let as_vecs: Vec<Vec<f64>> = rows.iter().map(|row| row.to_vec()).collect();
    let as_slices: Vec<&[f64]> = rows.iter().map(|row| row.as_slice()).collect();
    let by_rows = [column(0), column(1), column(2)];
    assert_eq!(network.predict_rows(&rows)?, by_rows);
    assert_eq!(network.predict_rows(&as_vecs)?, by_rows);
    assert_eq!(network.predict_rows(&as_slices)?, by_rows);
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    assert_eq!(network.predict_row_major(&flat)?, by_rows.concat());
    assert_eq!(network.predict_rows::<[f64; 2]>(&[])?, Vec::<Vec<f64>>::new());
    assert_eq!(network.predict_row_major(&[])?, Vec::<f64>::new());

    // An identity network gives numbers checkable by hand: o = 2 x1 − x2, o' = x1 + x2.
    let linear = Network::new(
        vec![Dense::new(dmatrix![2.0, -1.0; 1.0, 1.0], None, Activation::Identity)],
        Loss::MeanSquared,
    )?;
    assert_eq!(linear.predict_rows(&[[3.0, 1.0], [0.5, 0.25]])?, [[5.0, 4.0], [0.75, 0.75]]);

    // Shape errors are typed, and name the row.
    assert_eq!(network.predict_one(&[1.0]), Err(BatchError::Inputs { expected: 2, found: 1 }));
    let ragged: [&[f64]; 3] = [&[1.0, 2.0], &[1.0, 2.0, 3.0], &[]];
    let err = network.predict_rows(&ragged).unwrap_err();
    assert_eq!(err, BatchError::RowLength { row: 1, expected: 2, found: 3 });
    assert_eq!(err.to_string(), "row 2 has 3 inputs but the network takes 2");
    let err = network.predict_row_major(&[1.0, 2.0, 3.0]).unwrap_err();
    assert_eq!(err, BatchError::RowMajorLength { n_inputs: 2, found: 3 });
    assert_eq!(err.to_string(), "3 numbers do not make whole rows of 2 inputs");

    // An overflow is an error, not a NaN prediction.
    let huge = Network::new(
        vec![Dense::new(dmatrix![1e308, 1e308], None, Activation::Identity)],
        Loss::MeanSquared,
    )?;
    assert!(matches!(huge.predict_one(&[10.0, 0.0]), Err(BatchError::NonFinite(_))));
    assert!(matches!(huge.predict_rows(&[[0.0, 0.0], [10.0, 0.0]]), Err(BatchError::NonFinite(_))));
    Ok(())
}

#[test]
fn debug_shows_sizes_activations_loss_and_rows_of_numbers() -> Result {
    let network = tutorial_network()?;
    assert_eq!(
        format!("{network:?}"),
        "Network { sizes: [2, 2, 2], loss: HalfSumSquared, layers: [\
         Dense { n_inputs: 2, n_outputs: 2, activation: Sigmoid, \
         weights: [[0.3, 0.25], [0.4, 0.35]], bias: None }, \
         Dense { n_inputs: 2, n_outputs: 2, activation: Sigmoid, \
         weights: [[0.45, 0.4], [0.7, 0.6]], bias: None }] }"
    );
    let text = format!("{:?}", biased_network()?);
    assert!(
        text.contains("weights: [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], bias: Some([0.7, 0.8, 0.9])"),
        "{text}"
    );
    assert!(!text.contains("VecStorage") && !text.contains("Dyn"), "{text}");
    Ok(())
}

#[test]
fn activations_and_losses_parse_from_their_names_through_question_mark() -> Result {
    let layer = Dense::new(dmatrix![1.0], None, "sigmoid".parse()?);
    let network = Network::new(vec![layer], "cross-entropy".parse()?)?;
    assert_eq!(network.output_layer().activation(), Activation::Sigmoid);
    assert_eq!(network.loss(), Loss::CrossEntropy);
    for activation in Activation::NAMES {
        assert_eq!(activation.parse::<Activation>()?.name(), activation);
    }
    let leaky: Activation = "leaky-relu(slope 0.2)".parse()?;
    assert_eq!(leaky, Activation::LeakyRelu { slope: 0.2 });
    assert_eq!(leaky.to_string(), "leaky-relu(slope 0.2)");
    assert_eq!(
        "swish".parse::<Activation>(),
        Err(ParseActivationError::Unknown { found: "swish".to_owned() })
    );
    assert_eq!("l1".parse::<Loss>(), Err(ParseLossError { found: "l1".to_owned() }));
    let boxed: Box<dyn Error + Send + Sync> = Box::new("l1".parse::<Loss>().unwrap_err());
    assert_eq!(boxed.to_string(), "unknown loss `l1`; expected one of sse, mse, cross-entropy");
    Ok(())
}

/// Reference: tests/reference/tutorial.py prints σ(0.08) = 0.5199893401555818 and its
/// derivative 0.24960042628014445; Python's math.tanh(0.5) = 0.46211715726000974 and
/// 1 − tanh² = 0.7864477329659274.
#[test]
fn one_neuron_values_exist_for_elementwise_activations_only() {
    let h1 = Activation::Sigmoid.value_at(0.08_f64).unwrap();
    assert_close(h1, 0.5199893401555818, 1e-15, "σ(0.08)");
    assert_close(
        Activation::Sigmoid.derivative_at(0.08, h1).unwrap(),
        0.24960042628014445,
        1e-15,
        "σ′",
    );
    let a = Activation::Tanh.value_at(0.5_f64).unwrap();
    assert_close(a, 0.46211715726000974, 1e-15, "tanh 0.5");
    assert_close(
        Activation::Tanh.derivative_at(0.5, a).unwrap(),
        0.7864477329659274,
        1e-15,
        "tanh′",
    );
    assert_eq!(Activation::Relu.value_at(-3.0_f32), Some(0.0));
    assert_eq!(Activation::LeakyRelu { slope: 0.25 }.derivative_at(-3.0_f64, -0.75), Some(0.25));
    assert_eq!(Activation::Softmax.value_at(0.5_f64), None);
    assert_eq!(Activation::Softmax.derivative_at(0.5_f64, 0.5), None);
}

/// mlp-train hands out the same mlp-core and nalgebra: a matrix named through either path is
/// one type.
#[test]
fn mlp_train_re_exports_the_same_mlp_core_and_nalgebra() -> Result {
    fn outputs(
        network: &mlp_train::mlp_core::Network,
        x: &mlp_train::mlp_core::nalgebra::DMatrix<f64>,
    ) -> Result<DMatrix<f64>> {
        Ok(network.predict(x)?)
    }
    let network: mlp_core::Network = tutorial_network()?;
    let x: DMatrix<f64> = dmatrix![0.1; 0.2];
    assert_eq!(outputs(&network, &x)?, network.predict(&x)?);
    Ok(())
}

/// The tutorial_step example against tests/reference/tutorial.py (plain Python floats): every
/// gradient, every updated weight and both losses, and its printout line by line.
#[test]
fn the_tutorial_step_example_prints_the_tutorials_numbers() -> Result {
    let step = tutorial_step::tutorial_step()?;
    assert_close(step.loss, 0.023971900751730026, 1e-15, "E");
    assert_close(step.loss_after, 0.023236338872291772, 1e-15, "E after the step");
    let gradients = [
        0.0008088753836261946,
        0.0016177507672523893,
        0.0007100860110548808,
        0.0014201720221097616,
        0.025922855603647404,
        0.026295901328202025,
        0.007408444627213417,
        0.007515056670116312,
    ];
    let updated = [
        0.2995955623081869,
        0.2491911246163738,
        0.39964495699447256,
        0.3492899139889451,
        0.4370385721981763,
        0.386852049335899,
        0.6962957776863933,
        0.5962424716649418,
    ];
    assert_eq!(step.gradients.len(), 8);
    for (k, ((name, gradient), (updated_name, weight))) in
        step.gradients.iter().zip(&step.updated).enumerate()
    {
        let expected_name = format!("W{}", k + 1);
        assert_eq!((name, updated_name), (&expected_name, &expected_name));
        assert_close(*gradient, gradients[k], 1e-14, name);
        assert_close(*weight, updated[k], 1e-15, name);
    }
    let lines: Vec<&str> = step.text.lines().collect();
    assert_eq!(lines.len(), 16, "{}", step.text);
    assert_eq!(lines[1], "  z1 = 0.08000000   h1 = sigmoid(z1) = 0.51998934");
    assert_eq!(lines[4], "  z4 = 0.68047592   o2 = sigmoid(z4) = 0.66384491");
    assert_eq!(lines[5], "Loss E = Σ ½(t − o)² = 0.02397190");
    assert_eq!(
        lines[7],
        "  ∂E/∂W5 = 0.20944600 × 0.23802157 × 0.51998934 = 0.02592286   \
         W5 ← 0.45 − 0.5 × 0.02592286 = 0.43703857"
    );
    assert_eq!(
        lines[14],
        "  ∂E/∂W4 = 0.02848945 × 0.24924527 × 0.20000000 = 0.00142017   \
         W4 ← 0.35 − 0.5 × 0.00142017 = 0.34928991"
    );
    assert_eq!(lines[15], "Loss after the step: 0.02323634");
    Ok(())
}

/// The training_loop example against tests/reference/training_loop.py (PyTorch 2.15, f64,
/// autograd): the loss every 100 epochs and the four final outputs.
#[test]
fn the_training_loop_example_follows_pytorch_and_the_loss_falls() -> Result {
    let run = training_loop::training_loop()?;
    let pytorch = [
        0.25769237872186085,
        0.05058737102097732,
        0.008971357332995904,
        0.004381959110565995,
        0.0028281505502896825,
        0.002067521424867299,
        0.0016212077148746052,
        0.0013294576318364998,
        0.0011245576642382534,
        0.0009731048016305349,
        0.0008567898894130534,
    ];
    assert_eq!(run.losses.len(), pytorch.len());
    for (k, (&(epoch, loss), expected)) in run.losses.iter().zip(pytorch).enumerate() {
        assert_eq!(epoch, 100 * k);
        assert_close(loss, expected, 1e-12, &format!("loss at epoch {epoch}"));
    }
    assert!(run.losses.windows(2).all(|pair| pair[1].1 < pair[0].1), "the loss falls");
    let outputs =
        [0.027247360491915784, 0.968708048191471, 0.9678462691832003, 0.02591702626555148];
    for (found, expected) in run.outputs.iter().zip(outputs) {
        assert_close(*found, expected, 1e-12, "output");
    }
    assert!(run.text.starts_with("epoch    0  loss 0.25769238\nepoch  100  loss 0.05058737\n"));
    assert!(run.text.ends_with("1 XOR 1 = 0: predicted 0.0259\n"), "{}", run.text);
    Ok(())
}
