//! The trainer and the CSV gradient log together, through tracing, with no global state
//! (`tracing::subscriber::with_default` and a writer over a shared buffer).

use std::collections::HashMap;

use mlp_core::Network;
use mlp_train::events::{GradientField, EPOCH_FIELD, STEP_FIELD};
use mlp_train::gradlog::{GradientCsvLayer, LayerSummaryCsvLayer};
use mlp_train::{train, Dataset, Optimizer, Schedule, TrainConfig};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

use crate::util::{
    tutorial_inputs, tutorial_network, tutorial_targets, xor, xor_network, SharedBuffer,
};

/// Parses CSV text into header names and rows of cells.
fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

/// One plain SGD step per sample, η = 0.5, in file order (also `factors.rs`'s run).
pub(crate) fn tutorial_config() -> TrainConfig {
    TrainConfig {
        epochs: 1,
        batch_size: 1,
        optimizer: Optimizer::Sgd,
        learning_rate: 0.5,
        schedule: Schedule::Constant,
        l2: 0.0,
        shuffle: false,
        ..TrainConfig::default()
    }
}

/// Runs `run` with a gradient CSV layer (and a per-layer filter when `filtered`) installed.
fn logged(filtered: bool, run: impl FnOnce()) -> String {
    let buffer = SharedBuffer::default();
    let layer = GradientCsvLayer::new(buffer.clone());
    let guard = layer.flush_on_drop();
    if filtered {
        let subscriber = tracing_subscriber::registry()
            .with(layer.with_filter(GradientCsvLayer::default_filter()));
        tracing::subscriber::with_default(subscriber, run);
    } else {
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), run);
    }
    guard.flush().unwrap();
    buffer.text()
}

#[test]
fn tutorial_step_through_the_trainer_writes_every_number_of_the_tutorial() {
    let data = Dataset::numbered(tutorial_inputs(), tutorial_targets()).unwrap();
    let mut network = tutorial_network::<f64>();
    let text = logged(false, || {
        train(&mut network, &data, None, &tutorial_config()).unwrap();
    });
    let (header, rows) = parse(&text);
    // The header is the event schema's (its names are pinned in `mlp_train::events`' tests).
    let schema: Vec<&str> =
        [EPOCH_FIELD, STEP_FIELD].into_iter().chain(GradientField::NAMES.iter().copied()).collect();
    assert_eq!(header, schema);
    // n_params × samples × steps = 8 × 1 × 1.
    assert_eq!(rows.len(), 8);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let by_param: HashMap<&str, &Vec<String>> =
        rows.iter().map(|row| (row[column("param")].as_str(), row)).collect();
    // The tutorial (docs/tutorial.md): weight, dE/da, da/dz, dz/dw, dE/dw, updated;
    // dE/dz = dE/da × da/dz.
    let expected = [
        ("W1", 0.30, 0.03240681, 0.24960043, 0.1, 0.00080888, 0.29959556),
        ("W2", 0.25, 0.03240681, 0.24960043, 0.2, 0.00161775, 0.24919112),
        ("W3", 0.40, 0.02848945, 0.24924527, 0.1, 0.00071009, 0.39964496),
        ("W4", 0.35, 0.02848945, 0.24924527, 0.2, 0.00142017, 0.34928991),
        ("W5", 0.45, 0.20944600, 0.23802157, 0.51998934, 0.02592286, 0.43703857),
        ("W6", 0.40, 0.20944600, 0.23802157, 0.52747230, 0.02629590, 0.38685205),
        ("W7", 0.70, 0.06384491, 0.22315485, 0.51998934, 0.00740844, 0.69629578),
        ("W8", 0.60, 0.06384491, 0.22315485, 0.52747230, 0.00751506, 0.59624247),
    ];
    for (param, weight, de_da, da_dz, dz_dw, de_dw, updated) in expected {
        let row = by_param[param];
        let value = |name: &str| row[column(name)].parse::<f64>().unwrap();
        assert_eq!(row[column("epoch")], "1");
        assert_eq!(row[column("step")], "1");
        assert_eq!(row[column("sample")], "1");
        for (name, expected) in [
            ("weight", weight),
            ("dE_da", de_da),
            ("da_dz", da_dz),
            ("dz_dw", dz_dw),
            ("dE_dw", de_dw),
            ("weight_new", updated),
        ] {
            assert!(
                (value(name) - expected).abs() < 1e-8,
                "{param} {name}: {} vs {expected}",
                value(name)
            );
        }
        assert!((value("dE_dz") - de_da * da_dz).abs() < 1e-8, "{param} dE_dz");
    }
    // The W5 row, one line: 0.45, 0.209446…, 0.238021…, 0.0498…, 0.519989…, 0.025922…, 0.437038….
    let w5 = rows.iter().find(|row| row[column("param")] == "W5").unwrap().join(",");
    assert!(w5.starts_with("1,1,1,2,W5,1,1,0.45,0.2094460"), "{w5}");
}

fn xor_run() -> (Network, Dataset, TrainConfig) {
    let config =
        TrainConfig { epochs: 30, batch_size: 2, learning_rate: 0.05, ..TrainConfig::default() };
    (xor_network(1), xor(), config)
}

#[test]
fn row_count_is_parameters_times_samples_times_steps_and_runs_are_byte_identical() {
    let run = || {
        let (mut network, data, config) = xor_run();
        logged(true, || {
            train(&mut network, &data, None, &config).unwrap();
        })
    };
    let (first, second) = (run(), run());
    assert_eq!(first, second, "same seed, same log, byte for byte");
    let (header, rows) = parse(&first);
    // 17 parameters (8 + 4 + 4 + 1), every sample once per epoch, 30 epochs.
    assert_eq!(rows.len(), 17 * 4 * 30);
    // With a per-layer filter the span columns are still filled.
    let (epoch, step) = (
        header.iter().position(|h| h == "epoch").unwrap(),
        header.iter().position(|h| h == "step").unwrap(),
    );
    assert!(rows.iter().all(|row| !row[epoch].is_empty() && !row[step].is_empty()));
    assert_eq!(rows.last().unwrap()[epoch], "30");
    assert_eq!(rows.last().unwrap()[step], "60");
}

#[test]
fn mean_of_a_steps_rows_is_the_applied_gradient() {
    // SGD without decay: weight_new = weight − η · mean(dE_dw) over the step's samples.
    let (mut network, data, config) = xor_run();
    let config = TrainConfig {
        epochs: 1,
        batch_size: 4,
        optimizer: Optimizer::Sgd,
        l2: 0.0,
        learning_rate: 0.5,
        ..config
    };
    let text = logged(false, || {
        train(&mut network, &data, None, &config).unwrap();
    });
    let (header, rows) = parse(&text);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let w1: Vec<&Vec<String>> = rows.iter().filter(|row| row[column("param")] == "W1").collect();
    assert_eq!(w1.len(), 4);
    let value = |row: &Vec<String>, name: &str| row[column(name)].parse::<f64>().unwrap();
    let mean = w1.iter().map(|row| value(row, "dE_dw")).sum::<f64>() / 4.0;
    let (before, after) = (value(w1[0], "weight"), value(w1[0], "weight_new"));
    assert!((before - 0.5 * mean - after).abs() < 1e-15, "{before} − 0.5 × {mean} ≠ {after}");
}

#[test]
fn layer_summary_reports_every_layer_of_every_logged_step() {
    let (mut network, data, config) = xor_run();
    let config = TrainConfig { log_every: 4, ..config };
    let buffer = SharedBuffer::default();
    let layer = LayerSummaryCsvLayer::new(buffer.clone());
    let guard = layer.flush_on_drop();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        train(&mut network, &data, None, &config).unwrap();
    });
    guard.flush().unwrap();
    let (header, rows) = parse(&buffer.text());
    // 60 steps, logged on 1, 5, …, 57: 15 steps × 2 layers.
    assert_eq!(rows.len(), 15 * 2);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows[2][column("step")], "5");
    // Layer 1 is tanh: a saturation share, no dead share; norms are positive numbers.
    assert!(!rows[0][column("saturated_fraction")].is_empty());
    assert!(rows[0][column("dead_fraction")].is_empty());
    assert!(rows[0][column("grad_norm")].parse::<f64>().unwrap() > 0.0);
}

#[test]
fn a_filtered_gradient_log_beside_an_unfiltered_layer_keeps_every_row() {
    // tracing-subscriber's per-layer filters carry an `enabled!` answer over to the next event;
    // the trainer asks again right before each kind of event, so no row is lost. Without that,
    // the first row of every step (W1) went missing here.
    let data = Dataset::numbered(tutorial_inputs(), tutorial_targets()).unwrap();
    let mut network = tutorial_network::<f64>();
    let buffer = SharedBuffer::default();
    let layer = GradientCsvLayer::new(buffer.clone());
    let guard = layer.flush_on_drop();
    let history = mlp_train::gradlog::HistoryCsvLayer::new(std::io::sink());
    let subscriber = tracing_subscriber::registry()
        .with(layer.with_filter(GradientCsvLayer::default_filter()))
        .with(history);
    tracing::subscriber::with_default(subscriber, || {
        train(&mut network, &data, None, &tutorial_config()).unwrap();
    });
    guard.flush().unwrap();
    let (_, rows) = parse(&buffer.text());
    let params: Vec<&str> = rows.iter().map(|row| row[4].as_str()).collect();
    assert_eq!(params, ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"]);
}

/// The significant digits of a float's text: `0.00071009` has 5, `1.0` one, `1.5e-7` two.
fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').trim_end_matches('0').len().max(1)
}

/// Whether `cell` is the shortest text of an f32: as many significant digits as Rust's `{:?}`
/// (also the shortest) prints for the f32 it reads as, at most 9.
fn is_shortest_f32_text(cell: &str) -> bool {
    let value: f32 = cell.parse().unwrap();
    let digits = significant_digits(cell);
    digits <= 9 && digits == significant_digits(&format!("{value:?}"))
}

/// An f32 run logs each number as the shortest text of its f32, which reads back (as an f32) to
/// the exact value on the f32 tape: `0.8641406`, not the widened `0.8641406297683716`.
#[test]
fn an_f32_run_logs_the_shortest_text_of_each_f32() {
    let data = Dataset::numbered(tutorial_inputs::<f32>(), tutorial_targets::<f32>()).unwrap();
    let network = tutorial_network::<f32>();
    let (tape, _, _) = network.backpropagate(data.inputs(), data.targets()).unwrap();
    let mut trained = network.clone();
    let text = logged(false, || {
        train(&mut trained, &data, None, &tutorial_config()).unwrap();
    });
    let (header, rows) = parse(&text);
    assert_eq!(rows.len(), 8);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let names = network.parameter_names();
    let mut n_shorter = 0;
    for row in &rows {
        let id = names.find(&row[column("param")]).unwrap();
        let factors = tape.factors(id.layer);
        let (to, from) = (id.to, id.from.unwrap());
        let dz_dw = factors.dz_dw(0, Some(from));
        let expected = [
            ("weight", network.layers()[id.layer].weights()[(to, from)]),
            ("dE_da", factors.de_da.unwrap()[(to, 0)]),
            ("da_dz", factors.da_dz.unwrap()[(to, 0)]),
            ("dE_dz", factors.de_dz[(to, 0)]),
            ("dz_dw", dz_dw),
            ("dE_dw", factors.de_dz[(to, 0)] * dz_dw),
            ("weight_new", trained.layers()[id.layer].weights()[(to, from)]),
        ];
        for (name, expected) in expected {
            let cell = &row[column(name)];
            let value: f32 = cell.parse().unwrap();
            assert_eq!(value.to_bits(), expected.to_bits(), "{} {name}: {cell}", row[4]);
            assert!(is_shortest_f32_text(cell), "{cell}");
            n_shorter += usize::from(cell.len() < format!("{:?}", f64::from(value)).len());
        }
    }
    // Most f32s' f64 texts are longer: the log does not write those.
    assert!(n_shorter > 40, "{n_shorter} of 56 cells shorter than the f64 text");
}

/// The layer summary of an f32 run is made of f32s too.
#[test]
fn an_f32_runs_layer_summary_holds_f32_texts() {
    let (network, data, config) = xor_run();
    let mut network = network.cast::<f32>();
    let data = Dataset::numbered(data.inputs().map(|x| x as f32), data.targets().map(|x| x as f32))
        .unwrap();
    let buffer = SharedBuffer::default();
    let layer = LayerSummaryCsvLayer::new(buffer.clone());
    let guard = layer.flush_on_drop();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        train(&mut network, &data, None, &config).unwrap();
    });
    guard.flush().unwrap();
    let (header, rows) = parse(&buffer.text());
    assert_eq!(rows.len(), 60 * 2);
    for row in &rows {
        for (name, cell) in header.iter().zip(row).skip(3).filter(|(_, cell)| !cell.is_empty()) {
            assert!(is_shortest_f32_text(cell), "{name} {cell}");
        }
    }
}

/// Two runs on two threads log to one gradient layer at once: each row carries its own run's
/// epoch, step and precision. Run A (f64, samples 1..4) takes one sample a step; run B (f32,
/// samples 101..104) two. The XOR network has 17 parameters.
#[test]
fn two_trainers_on_two_threads_log_their_own_epochs_steps_and_precision() {
    use tracing_subscriber::prelude::*;

    let (network_a, data_a, config) = xor_run();
    let config_a = TrainConfig { epochs: 1500, batch_size: 1, threads: 1, ..config.clone() };
    let config_b = TrainConfig { epochs: 2000, batch_size: 2, threads: 1, ..config };
    let mut network_b = network_a.cast::<f32>();
    let data_b = Dataset::new(
        data_a.inputs().map(|x| x as f32),
        data_a.targets().map(|x| x as f32),
        vec![101, 102, 103, 104],
    )
    .unwrap();
    let mut network_a = network_a;

    let buffer = SharedBuffer::default();
    let layer = GradientCsvLayer::new(buffer.clone()).with_max_rows(u64::MAX);
    let guard = layer.flush_on_drop();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let start = std::sync::Barrier::new(2);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            tracing::dispatcher::with_default(&dispatch, || {
                start.wait();
                train(&mut network_a, &data_a, None, &config_a).unwrap();
            })
        });
        scope.spawn(|| {
            tracing::dispatcher::with_default(&dispatch, || {
                start.wait();
                train(&mut network_b, &data_b, None, &config_b).unwrap();
            })
        });
    });
    guard.flush().unwrap();
    let (header, rows) = parse(&buffer.text());
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (epoch, step, sample) = (column("epoch"), column("step"), column("sample"));
    let is_b = |row: &Vec<String>| row[sample].parse::<usize>().unwrap() > 100;
    let switches = rows.windows(2).filter(|pair| is_b(&pair[0]) != is_b(&pair[1])).count();
    assert!(switches >= 10, "the runs' rows interleave only {switches} times");

    let mut n_rows = [0_usize; 2];
    let mut n_long_texts = [0_usize; 2];
    for row in &rows {
        let run = usize::from(is_b(row));
        // Rows of a run come in its step order: 17 rows a sample.
        let rows_per_step = 17 * [1, 2][run];
        let steps_per_epoch = [4, 2][run];
        let expected_step = n_rows[run] / rows_per_step + 1;
        let expected_epoch = (expected_step - 1) / steps_per_epoch + 1;
        assert_eq!(row[step], expected_step.to_string(), "run {run} row {}", n_rows[run]);
        assert_eq!(row[epoch], expected_epoch.to_string(), "run {run} row {}", n_rows[run]);
        n_rows[run] += 1;
        let floats = row[column("weight")..].iter().filter(|cell| !cell.is_empty());
        if floats.clone().any(|cell| significant_digits(cell) > 9) {
            n_long_texts[run] += 1;
        }
        if run == 1 {
            for cell in floats {
                assert!(is_shortest_f32_text(cell), "run B's {cell}");
            }
        }
    }
    assert_eq!(n_rows, [17 * 4 * 1500, 17 * 4 * 2000]);
    // Run A's f64 rows have long texts; run B's f32 rows none.
    assert!(n_long_texts[0] > n_rows[0] / 2, "{n_long_texts:?}");
    assert_eq!(n_long_texts[1], 0);
}
