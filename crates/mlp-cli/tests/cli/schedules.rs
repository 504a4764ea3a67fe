//! Issue #14's schedules, file-order batches and `--epochs 0`, end to end: the history's
//! `learning_rate` column against PyTorch's schedulers (tests/reference/schedules.py), bad
//! `--lr-schedule` specs, the gradient log's sample order under `--no-shuffle`, full-batch runs
//! that do not depend on `--seed`, and runs of no epoch that save the starting model.

use std::collections::HashMap;
use std::path::Path;

use crate::util::{assert_unchanged, dataset, mlp, mlp_ok, snapshot, tutorial_args, write};

/// A CSV file's rows as maps from column name to text.
fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    reader
        .records()
        .map(|record| {
            header.iter().cloned().zip(record.unwrap().iter().map(str::to_owned)).collect()
        })
        .collect()
}

/// A column of a CSV file's rows, as numbers.
fn numbers(rows: &[HashMap<String, String>], column: &str) -> Vec<f64> {
    rows.iter().map(|row| row[column].parse().unwrap()).collect()
}

/// The first line of a file.
fn header(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap().lines().next().unwrap_or("").to_owned()
}

/// `mlp train xor.csv` with SGD at η = 0.1 on every row for `epochs`, then `extra`.
fn xor_run(dir: &Path, epochs: &str, extra: &[&str]) -> String {
    let xor = dataset("xor.csv");
    let mut args = vec!["train", &xor, "--target", "y", "--optimizer", "sgd"];
    args.extend(["--learning-rate", "0.1", "--validation", "0", "--epochs", epochs, "-q"]);
    args.extend_from_slice(extra);
    mlp_ok(dir, &args)
}

fn assert_close(found: &[f64], expected: &[f64], tolerance: f64, what: &str) {
    assert_eq!(found.len(), expected.len(), "{what}: {found:?}");
    for (epoch, (&found, &expected)) in (1..).zip(found.iter().zip(expected)) {
        let scale = found.abs().max(expected.abs());
        assert!(
            (found - expected).abs() <= tolerance * scale,
            "{what}, epoch {epoch}: {found:?} vs PyTorch's {expected:?}"
        );
    }
}

// PyTorch's rates of epochs 1..25 from 0.1 (tests/reference/schedules.py).

/// `LinearLR(start_factor=1/3, total_iters=2)` chained with `CosineAnnealingLR(T_max=10)`.
const COSINE_WARM: [f64; 25] = [
    0.03333333333333333,
    0.06503521720983846,
    0.09045084971874738,
    0.07938926261462367,
    0.06545084971874739,
    0.05000000000000001,
    0.03454915028125264,
    0.020610737385376353,
    0.009549150281252635,
    0.002447174185242324,
    0.0,
    0.0024471741852423235,
    0.009549150281252666,
    0.020610737385376433,
    0.034549150281252786,
    0.050000000000000225,
    0.06545084971874766,
    0.079389262614624,
    0.09045084971874778,
    0.09755282581475812,
    0.10000000000000044,
    0.0975528258147581,
    0.0904508497187478,
    0.079389262614624,
    0.06545084971874766,
];

/// `LinearLR(start_factor=1/3, total_iters=2)` chained with `StepLR(step_size=3, gamma=0.5)`.
const STEP_WARM: [f64; 25] = [
    0.03333333333333333,
    0.06666666666666667,
    0.1,
    0.05,
    0.05,
    0.05,
    0.025,
    0.025,
    0.025,
    0.0125,
    0.0125,
    0.0125,
    0.00625,
    0.00625,
    0.00625,
    0.003125,
    0.003125,
    0.003125,
    0.0015625,
    0.0015625,
    0.0015625,
    0.00078125,
    0.00078125,
    0.00078125,
    0.000390625,
];

/// `ExponentialLR(gamma=0.9)`.
const EXPONENTIAL: [f64; 25] = [
    0.1,
    0.09000000000000001,
    0.08100000000000002,
    0.07290000000000002,
    0.06561000000000002,
    0.05904900000000002,
    0.05314410000000002,
    0.04782969000000002,
    0.043046721000000024,
    0.03874204890000002,
    0.03486784401000002,
    0.03138105960900001,
    0.028242953648100012,
    0.025418658283290013,
    0.022876792454961013,
    0.020589113209464913,
    0.01853020188851842,
    0.01667718169966658,
    0.015009463529699923,
    0.013508517176729932,
    0.01215766545905694,
    0.010941898913151246,
    0.009847709021836121,
    0.00886293811965251,
    0.007976644307687259,
];

/// The history's `learning_rate` column holds each epoch's rate, as PyTorch's schedulers give
/// it (cosine past its minimum and back up, to 4.7e-15 relative: PyTorch's recursion rounds
/// differently; the step schedule to the bit), and the default is the constant rate.
#[test]
fn the_history_holds_pytorchs_rates() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &[f64], f64); 4] = [
        (&["--lr-schedule", "cosine:10", "--warmup", "3"], &COSINE_WARM, 5e-15),
        (&["--lr-schedule", "step:3:0.5", "--warmup", "3"], &STEP_WARM, 0.0),
        (&["--lr-schedule", "exponential:0.9"], &EXPONENTIAL, 1e-15),
        (&[], &[0.1; 25], 0.0),
    ];
    for (flags, expected, tolerance) in cases {
        let args = [flags, &["--history", "h.csv"]].concat();
        xor_run(dir.path(), "25", &args);
        let rates = numbers(&read_csv(&dir.path().join("h.csv")), "learning_rate");
        assert_close(&rates, expected, tolerance, &format!("{flags:?}"));
    }
}

/// ReduceLROnPlateau's rule as PyTorch writes it (mode "min", relative threshold 10⁻⁴, eps
/// 10⁻⁸), applied to a run's monitored losses: the rate of each epoch.
fn torch_plateau(losses: &[f64], base: f64, patience: usize, factor: f64) -> Vec<f64> {
    let (mut lr, mut best, mut bad) = (base, f64::INFINITY, 0);
    let mut rates = Vec::new();
    for &loss in losses {
        rates.push(lr);
        if loss < best * (1.0 - 1e-4) {
            (best, bad) = (loss, 0);
        } else {
            bad += 1;
        }
        if bad > patience {
            if lr - lr * factor > 1e-8 {
                lr *= factor;
            }
            bad = 0;
        }
    }
    rates
}

/// `--lr-schedule plateau:P:F` follows the validation loss (the training loss without
/// validation data) of the history: the rates the rule gives, with reductions that happen.
#[test]
fn plateau_follows_the_monitored_loss() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    for (validation, monitored) in [("0.2", "val_loss"), ("0", "loss")] {
        let args = [
            "train",
            &iris,
            "--target",
            "species",
            "--optimizer",
            "momentum",
            "--learning-rate",
            "0.5",
            "--epochs",
            "60",
            "--batch-size",
            "16",
            "--lr-schedule",
            "plateau:2:0.5",
            "--validation",
            validation,
            "--history",
            "h.csv",
            "-q",
        ];
        mlp_ok(dir.path(), &args);
        let rows = read_csv(&dir.path().join("h.csv"));
        let rates = numbers(&rows, "learning_rate");
        assert_eq!(rates, torch_plateau(&numbers(&rows, monitored), 0.5, 2, 0.5), "{monitored}");
        let reductions = rates.windows(2).filter(|pair| pair[1] < pair[0]).count();
        assert!(reductions >= 2, "{monitored}: {reductions} reductions: {rates:?}");
    }
}

/// A spec that does not read, or whose numbers are out of range, is a usage error (exit 2)
/// naming `--lr-schedule` and what is wrong, before any file is touched.
#[test]
fn bad_schedules_are_usage_errors_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "h.csv", "old history\n");
    let before = snapshot(dir.path());
    let xor = dataset("xor.csv");
    let cases: [(&str, &str, &str); 6] = [
        ("--lr-schedule", "step:0:0.5", "at least 1 epoch"),
        ("--lr-schedule", "cosine:x", "expected constant, step:EVERY:FACTOR"),
        ("--lr-schedule", "cosine:0", "at least 1 epoch"),
        ("--lr-schedule", "plateau:2:1.5", "(0, 1], not 1.5"),
        ("--lr-schedule", "exponential:0", "(0, 1], not 0"),
        ("--warmup", "-1", "whole number"),
    ];
    for (flag, value, needle) in cases {
        let args = ["train", &xor, "--target", "y", "--history", "h.csv", flag, value];
        let output = mlp(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{value}: {stderr}");
        assert!(stderr.contains(flag) && stderr.contains(needle), "{value}: {stderr}");
        assert!(stderr.contains(&format!("'{value}'")), "{value}: {stderr}");
        assert_unchanged(&before);
    }
}

/// The (step, sample) pairs of a gradient log, one per sample of each step, in file order.
fn batches(path: &Path) -> Vec<Vec<usize>> {
    let mut steps: Vec<Vec<usize>> = Vec::new();
    let mut last = None;
    for row in read_csv(path) {
        let (step, sample): (usize, usize) =
            (row["step"].parse().unwrap(), row["sample"].parse().unwrap());
        if steps.len() < step {
            steps.push(Vec::new());
            last = None;
        }
        if last != Some(sample) {
            steps[step - 1].push(sample);
            last = Some(sample);
        }
    }
    steps
}

/// `--no-shuffle`: batches of 3 of xor's 4 rows are samples 1, 2, 3 then 4, every epoch; shuffled
/// (the default), the batches differ from epoch to epoch and each is in ascending order.
#[test]
fn no_shuffle_takes_the_batches_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let flags = ["--batch-size", "3", "--grad-log", "g.csv"];
    xor_run(dir.path(), "4", &[&flags[..], &["--no-shuffle"]].concat());
    let in_order: Vec<Vec<usize>> = (0..4).flat_map(|_| [vec![1, 2, 3], vec![4]]).collect();
    assert_eq!(batches(&dir.path().join("g.csv")), in_order);

    xor_run(dir.path(), "4", &flags);
    let shuffled = batches(&dir.path().join("g.csv"));
    assert_eq!(shuffled.len(), 8);
    assert_ne!(shuffled, in_order);
    for (epoch, pair) in shuffled.chunks(2).enumerate() {
        let mut samples = pair.concat();
        samples.sort_unstable();
        assert_eq!(samples, [1, 2, 3, 4], "epoch {}", epoch + 1);
        assert!(pair[0].is_sorted(), "epoch {}: {pair:?}", epoch + 1);
    }
}

/// The saved model's `layers`, as JSON text.
fn layers(path: &Path) -> String {
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    model["layers"].to_string()
}

/// A full-batch run (batches of 1000 ≥ 150 rows) from one starting model gives the same bits
/// for `--seed 42` and `--seed 7`, shuffled or not: the one batch's samples are summed in file
/// order whatever the permutation.
#[test]
fn a_full_batch_run_does_not_depend_on_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    let common = ["train", &iris, "--target", "species", "--validation", "0", "-q"];
    mlp_ok(dir.path(), &[&common[..], &["--epochs", "0", "--save", "init.json"]].concat());
    let mut saved = Vec::new();
    for seed in ["42", "7"] {
        for shuffle in [None, Some("--no-shuffle")] {
            let name = format!("m{seed}{}.json", shuffle.is_some());
            let mut args = common.to_vec();
            args.extend(["--init", "init.json", "--epochs", "50", "--batch-size", "1000"]);
            args.extend(["--seed", seed, "--save", &name]);
            args.extend(shuffle);
            mlp_ok(dir.path(), &args);
            saved.push(layers(&dir.path().join(name)));
        }
    }
    assert_ne!(saved[0], layers(&dir.path().join("init.json")), "the run trained nothing");
    for other in &saved[1..] {
        assert_eq!(&saved[0], other);
    }
}

/// Mini-batches drawn from one seed hold the same samples in two runs; another seed draws
/// others.
#[test]
fn one_seed_draws_the_same_mini_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut drawn = Vec::new();
    for (seed, log) in [("3", "a.csv"), ("3", "b.csv"), ("4", "c.csv")] {
        let flags = ["--hidden", "4", "--batch-size", "2", "--seed", seed, "--grad-log", log];
        xor_run(dir.path(), "5", &flags);
        drawn.push(batches(&dir.path().join(log)));
    }
    assert_eq!(drawn[0].len(), 10);
    assert_eq!(drawn[0], drawn[1]);
    assert_ne!(drawn[0], drawn[2]);
}

/// `--epochs 0` from `--init`: the saved model's `layers` are the init file's, byte for byte;
/// the logs hold their headers only; the summary says 0 epochs, 0 steps and the starting
/// model's loss, the tutorial's E_total = 0.02397190 (docs/tutorial.md, from
/// tests/reference/tutorial.py).
#[test]
fn no_epoch_from_init_saves_the_starting_model() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["h.csv", "g.csv", "l.csv"] {
        write(dir.path(), name, "old\n");
    }
    let logs = ["--history", "h.csv", "--grad-log", "g.csv", "--layer-log", "l.csv"];
    let args =
        tutorial_args(&[&["--epochs", "0", "--save", "m.json", "--json"][..], &logs].concat());
    let stdout = mlp_ok(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>());
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["epochs"], 0);
    assert_eq!(summary["steps"], 0);
    assert_eq!(summary["best_epoch"], 0);
    let loss = summary["train"]["loss"].as_f64().unwrap();
    assert!((loss - 0.02397190).abs() < 5e-9, "{loss}");
    assert_eq!(summary["loss_after"], summary["train"]["loss"]);

    let init = &dataset("seed/model.json");
    let init_layers = {
        let text = std::fs::read_to_string(init).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["layers"].to_string()
    };
    assert_eq!(layers(&dir.path().join("m.json")), init_layers);
    let history =
        "epoch,loss,val_loss,accuracy,val_accuracy,learning_rate,seconds,mse,val_mse,r2,val_r2";
    assert_eq!(std::fs::read_to_string(dir.path().join("h.csv")).unwrap(), format!("{history}\n"));
    for log in ["g.csv", "l.csv"] {
        let text = std::fs::read_to_string(dir.path().join(log)).unwrap();
        assert_eq!(text.lines().count(), 1, "{log}: {text}");
        assert_ne!(text, "old\n", "{log}");
    }
    assert!(header(&dir.path().join("g.csv")).starts_with("epoch,step,sample,"));
}

/// `--epochs 0` on a fresh network: the saved weights are the initializer's, the ones a run
/// of one epoch with the same seed starts from (its gradient log's `weight` column of step 1),
/// and the text summary says 0 epochs.
#[test]
fn no_epoch_saves_the_initial_weights() {
    let dir = tempfile::tempdir().unwrap();
    let common = ["--hidden", "3", "--batch-size", "4", "--seed", "11"];
    let out = {
        let xor = dataset("xor.csv");
        let mut args = vec!["train", &xor, "--target", "y", "--validation", "0", "--epochs", "0"];
        args.extend(common);
        args.extend(["--save", "m0.json"]);
        mlp_ok(dir.path(), &args)
    };
    assert!(out.contains("for 0 epochs (0 steps)"), "{out}");
    xor_run(dir.path(), "1", &[&common[..], &["--grad-log", "g.csv"]].concat());
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("m0.json")).unwrap())
            .unwrap();
    let rows = read_csv(&dir.path().join("g.csv"));
    let mut checked = 0;
    for row in rows.iter().filter(|row| row["step"] == "1" && row["sample"] == "1") {
        let layer: usize = row["layer"].parse().unwrap();
        let to: usize = row["to"].parse().unwrap();
        let saved = &model["layers"][layer - 1];
        let value = match row["from"].as_str() {
            "" => saved["bias"][to - 1].as_f64().unwrap(),
            from => saved["weights"][to - 1][from.parse::<usize>().unwrap() - 1].as_f64().unwrap(),
        };
        assert_eq!(value, row["weight"].parse::<f64>().unwrap(), "{row:?}");
        checked += 1;
    }
    // 2-3-1 with biases: 9 + 4 parameters.
    assert_eq!(checked, 13);
}
