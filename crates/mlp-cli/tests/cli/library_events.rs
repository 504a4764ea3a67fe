//! The trainer's events through `mlp train`'s logs: an f32 run's numbers as f32 texts, and the
//! steps `--grad-log-every` chooses.

use mlp_train::model_file::Model;
use nalgebra::DMatrix;

use crate::util::{dataset, mlp_ok, tutorial_args};

/// A CSV file's header and rows.
type Csv = (Vec<String>, Vec<Vec<String>>);

/// The header and rows of a CSV file.
fn read_csv(path: &std::path::Path) -> Csv {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

/// The significant digits of a float's text: `0.00071009` has 5, `1.0` one.
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

/// Runs the tutorial's step with `extra` flags and a gradient and layer log; returns the
/// gradient log and the layer log's header and first row.
fn tutorial_logs(extra: &[&str]) -> (Csv, (Vec<String>, Vec<String>)) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = tutorial_args(extra);
    args.extend(["--grad-log", "g.csv", "--layer-log", "l.csv"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    mlp_ok(dir.path(), &args);
    let gradients = read_csv(&dir.path().join("g.csv"));
    let (header, mut layers) = read_csv(&dir.path().join("l.csv"));
    (gradients, (header, layers.remove(0)))
}

/// `--precision f32`: each number of the gradient log is the shortest text of its f32, which
/// reads back to the exact value on the f32 tape; the f64 run writes the f64 texts.
#[test]
fn an_f32_run_logs_the_shortest_text_of_each_f32() {
    let ((header, rows), (layer_header, layer_row)) =
        tutorial_logs(&["--epochs", "1", "--precision", "f32"]);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let w5 = rows.iter().find(|row| row[column("param")] == "W5").unwrap();
    let floats = ["weight", "dE_da", "da_dz", "dz_dw", "dE_dw", "weight_new"];
    let w5_texts: Vec<&str> = floats.iter().map(|name| w5[column(name)].as_str()).collect();

    // The same step on the f32 tape of mlp-core.
    let network = Model::load(dataset("seed/model.json")).unwrap().network.cast::<f32>();
    let inputs = DMatrix::from_column_slice(2, 1, &[0.1_f32, 0.2]);
    let targets = DMatrix::from_column_slice(2, 1, &[0.4_f32, 0.6]);
    let (tape, gradients, _) = network.backpropagate(&inputs, &targets).unwrap();
    let output = tape.factors(1);
    let weight = network.layers()[1].weights()[(0, 0)];
    let tape_values = [
        weight,
        output.de_da.unwrap()[(0, 0)],
        output.da_dz.unwrap()[(0, 0)],
        output.dz_dw(0, Some(0)),
        output.de_dz[(0, 0)] * output.dz_dw(0, Some(0)),
        weight - 0.5 * gradients.weights(1)[(0, 0)],
    ];
    for ((name, text), expected) in floats.iter().zip(&w5_texts).zip(tape_values) {
        let value: f32 = text.parse().unwrap();
        assert_eq!(value.to_bits(), expected.to_bits(), "W5 {name}: {text} vs {expected:?}");
        assert!(is_shortest_f32_text(text), "W5 {name}: {text}");
    }
    // numpy in float32 (tests/reference/f32_texts.py), within 2 ulps (its exp may round the
    // other way): 0.45, 0.20944598, 0.23802158, 0.5199893, 0.025922853, 0.43703857.
    let numpy = [0.45_f32, 0.209_445_98, 0.238_021_58, 0.519_989_3, 0.025_922_853, 0.437_038_57];
    for ((name, text), expected) in floats.iter().zip(&w5_texts).zip(numpy) {
        let value: f32 = text.parse().unwrap();
        let ulps = (value.to_bits() as i64 - expected.to_bits() as i64).abs();
        assert!(ulps <= 2, "W5 {name}: {text} is {ulps} ulps from numpy's {expected}");
    }
    assert_eq!(w5_texts[0], "0.45", "the f32 0.45, not 0.44999998807907104");
    for row in &rows {
        for cell in row[column("weight")..].iter().filter(|cell| !cell.is_empty()) {
            assert!(is_shortest_f32_text(cell), "{}: {cell}", row[column("param")]);
        }
    }
    // The layer log's norms are f32s too.
    let grad_norm = layer_header.iter().position(|h| h == "grad_norm").unwrap();
    for cell in layer_row[grad_norm..].iter().filter(|cell| !cell.is_empty()) {
        assert!(is_shortest_f32_text(cell), "layer log: {cell}");
    }

    // The f64 run: the f64 texts (docs/tutorial.md quotes W5's).
    let ((header, rows), _) = tutorial_logs(&["--epochs", "1"]);
    let w5 = rows.iter().find(|row| row[4] == "W5").unwrap();
    let de_da = header.iter().position(|h| h == "dE_da").unwrap();
    assert_eq!(w5[de_da], "0.2094460049966992");
}

/// `--grad-log-every N` (the trainer's `log_every`, the one way to choose steps) logs steps 1,
/// 1 + N, 1 + 2N, … in both logs, with their epoch and step.
#[test]
fn grad_log_every_logs_steps_one_plus_multiples_of_n() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = tutorial_args(&["--epochs", "7", "--grad-log-every", "3"]);
    args.extend(["--grad-log", "g.csv", "--layer-log", "l.csv"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    mlp_ok(dir.path(), &args);
    let (_, rows) = read_csv(&dir.path().join("g.csv"));
    // One sample, so one step an epoch; 8 weights a step.
    let steps: Vec<(&str, &str)> =
        rows.iter().step_by(8).map(|row| (row[0].as_str(), row[1].as_str())).collect();
    assert_eq!(steps, [("1", "1"), ("4", "4"), ("7", "7")]);
    assert_eq!(rows.len(), 3 * 8);
    let (_, layer_rows) = read_csv(&dir.path().join("l.csv"));
    let layer_steps: Vec<&str> = layer_rows.iter().map(|row| row[1].as_str()).collect();
    assert_eq!(layer_steps, ["1", "1", "4", "4", "7", "7"]);
}
