//! Issue #15: `--workbook FILE.xlsx`, the three logs of a run in one workbook with its
//! settings and charts, read back with calamine and compared with the CSV logs of the same run.

use std::io::Read;
use std::path::Path;

use calamine::Data;

use crate::util::{dataset, mlp, mlp_ok, tutorial_args};
use crate::xlsx::{
    assert_equal_to_csv, interrupt_logging_run, read_sheets, spawn_logging_run, wait_for_rows,
};

/// The entry `name` of the zip archive at `path`, if it has one.
fn zip_entry(path: &Path, name: &str) -> Option<String> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut entry = archive.by_name(name).ok()?;
    let mut text = String::new();
    entry.read_to_string(&mut text).unwrap();
    Some(text)
}

/// `text` without its CSV column `column_idx` (0-based; no quoted cells).
fn without_column(text: &str, column_idx: usize) -> String {
    text.lines()
        .map(|line| {
            let mut fields: Vec<&str> = line.split(',').collect();
            fields.remove(column_idx);
            fields.join(",") + "\n"
        })
        .collect()
}

/// The README's tutorial command with `--workbook`: its sheets hold what `--grad-log`,
/// `--layer-log` and `--history` write as CSV for the same run, bit for bit (but the history's
/// wall-clock `seconds`); `run` holds the settings; `charts` draws the loss and the gradient
/// norms; nothing is said on stderr of finishing a workbook that takes no time.
#[test]
fn the_tutorial_workbook_holds_the_three_logs_the_settings_and_the_charts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let csv_logs = ["--grad-log", "g.csv", "--layer-log", "l.csv", "--history", "h.csv"];
    for logs in [&csv_logs[..], &["--workbook", "out/tutorial.xlsx"]] {
        let mut extra = vec!["--epochs", "3"];
        extra.extend_from_slice(logs);
        let args = tutorial_args(&extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = mlp(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(!stderr.contains("finishing"), "{stderr}");
    }
    let path = dir.path().join("out/tutorial.xlsx");
    let sheets = read_sheets(&path);
    let names: Vec<&str> = sheets.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["charts", "run", "history", "layers", "grad norms", "gradients"]);
    let sheet = |name: &str| &sheets.iter().find(|(sheet, _)| sheet == name).unwrap().1;
    let csv = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    // 3 epochs of one step, 8 weights (the biases are frozen): 8 gradient rows a step.
    assert_eq!(assert_equal_to_csv(sheet("gradients"), &csv("g.csv")), (1 + 24) * 14);
    assert_eq!(assert_equal_to_csv(sheet("layers"), &csv("l.csv")), (1 + 6) * 9);
    let seconds = 6;
    let history: Vec<Vec<Data>> = sheet("history")
        .iter()
        .map(|row| {
            let mut row = row.clone();
            row.remove(seconds);
            row
        })
        .collect();
    assert_eq!(history.len(), 4);
    assert_equal_to_csv(&history, &without_column(&csv("h.csv"), seconds));

    // The tutorial's ∂E/∂W5 of step 1, as a number, in the W5 row of the gradient sheet.
    let w5 = sheet("gradients")
        .iter()
        .find(|row| row[1] == Data::Float(1.0) && row[4] == Data::String("W5".into()))
        .unwrap();
    assert!(matches!(w5[12], Data::Float(x) if (x - 0.02592286).abs() < 1e-8), "{w5:?}");

    // One row per step, each layer's norm the layer log's.
    let pivot = sheet("grad norms");
    assert_eq!(pivot.len(), 4);
    for (row, layers) in pivot[1..].iter().zip(sheet("layers")[1..].chunks(2)) {
        assert_eq!(row[1], layers[0][1], "step");
        assert_eq!((&row[2], &row[3]), (&layers[0][3], &layers[1][3]));
    }

    let run = sheet("run");
    let value = |name: &str| {
        let row = run.iter().find(|row| row[0] == Data::String(name.into()));
        row.unwrap_or_else(|| panic!("no {name} in {run:?}"))[1].clone()
    };
    assert_eq!(value("network.sizes"), Data::String("2-2-2".into()));
    assert_eq!(value("network.activations"), Data::String("sigmoid, sigmoid".into()));
    assert_eq!(value("settings.learning_rate"), Data::Float(0.5));
    assert_eq!(value("settings.optimizer.name"), Data::String("sgd".into()));
    assert_eq!(value("settings.epochs_run"), Data::Float(3.0));
    assert_eq!(value("data.name"), Data::String("data.csv".into()));
    assert!(matches!(value("command_line"), Data::String(line) if line.contains("--workbook")));

    // One sample has no R² (its `r2` column is empty): no second chart of it.
    let charts: Vec<String> = (1..=2)
        .map(|number| zip_entry(&path, &format!("xl/charts/chart{number}.xml")).unwrap())
        .collect();
    assert!(charts[0].contains("Loss per epoch") && charts[0].contains("history!$B$2:$B$4"));
    assert!(!charts[0].contains("val_loss"), "no validation");
    assert!(charts[1].contains("Gradient norm per layer"));
    assert!(charts[1].contains("'grad norms'!$C$2:$C$4") && charts[1].contains("$D$2:$D$4"));
    assert!(charts[1].contains(r#"<c:logBase val="10"/>"#));
    assert!(zip_entry(&path, "xl/charts/chart3.xml").is_none());
    // Nothing left beside it.
    let names: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["tutorial.xlsx"]);
}

/// `--json` lists the workbook once, with the rows of each of its logs; the `--grad-log-…`
/// options act on its gradient sheets (no "no effect" warning), the cap warns.
#[test]
fn the_json_summary_lists_the_workbook_with_its_logs_rows() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    let output = mlp(
        dir.path(),
        &[
            "train",
            &iris,
            "--target",
            "species",
            "--epochs",
            "2",
            "--batch-size",
            "40",
            "--workbook",
            "run.xlsx",
            "--grad-log-layers",
            "2",
            "--grad-log-max-rows",
            "100",
            "--json",
        ],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // 120 training rows in batches of 40: 3 steps an epoch, 2 weight layers.
    assert_eq!(
        json["files"],
        serde_json::json!([{
            "kind": "workbook",
            "path": "run.xlsx",
            "rows": null,
            "logs": {"grad-log": 100, "layer-log": 12, "history": 2},
        }])
    );
    let kinds: Vec<&str> =
        json["warnings"].as_array().unwrap().iter().map(|w| w["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["log-truncated"], "{json}");
    let sheets = read_sheets(&dir.path().join("run.xlsx"));
    let gradients = &sheets[5].1;
    assert_eq!(gradients.len(), 101);
    assert!(gradients[1..].iter().all(|row| row[3] == Data::Float(2.0)), "layer 2 only");
}

/// A workbook that would replace an input or another output, a name without `.xlsx`,
/// standard output, and `--append-logs` are refused before anything is written.
#[test]
fn bad_workbook_outputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    let base = ["train", &iris, "--target", "species", "--epochs", "1"];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let output = mlp(dir.path(), &args);
        (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (code, stderr) = run(&["--workbook", "g.xlsx", "--grad-log", "g.xlsx"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("--grad-log and --workbook both name g.xlsx"), "{stderr}");
    let (code, stderr) = run(&["--workbook", "run.csv"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("must end in .xlsx"), "{stderr}");
    let (code, stderr) = run(&["--workbook", "-"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("standard output"), "{stderr}");
    // An input named .xlsx (a CSV file under that name) is not replaced.
    std::fs::copy(&iris, dir.path().join("iris.xlsx")).unwrap();
    let output = mlp(
        dir.path(),
        &["train", "iris.xlsx", "--target", "species", "--epochs", "1", "--workbook", "iris.xlsx"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--workbook iris.xlsx would replace the training data"), "{stderr}");
    assert_eq!(std::fs::read(dir.path().join("iris.xlsx")).unwrap(), std::fs::read(&iris).unwrap());

    mlp_ok(dir.path(), &[&base[..], &["--checkpoint", "c.json"]].concat());
    let output = mlp(
        dir.path(),
        &["train", "--resume", "c.json", "--epochs", "2", "--append-logs", "--workbook", "w.xlsx"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("a workbook cannot be appended to"), "{stderr}");
    for name in ["g.xlsx", "run.csv", "w.xlsx"] {
        assert!(!dir.path().join(name).exists(), "{name}");
    }
}

/// SIGINT stops the run gracefully and the workbook is finished with every sheet and chart;
/// SIGKILL leaves the old file as it was.
#[test]
fn sigint_finishes_the_run_workbook_and_sigkill_leaves_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let output = interrupt_logging_run(dir.path(), &["--workbook", "w.xlsx"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("wrote h.csv, w.xlsx"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("wrote w.xlsx (workbook: gradient log"), "{stdout}");
    let path = dir.path().join("w.xlsx");
    let sheets = read_sheets(&path);
    assert_eq!(sheets.len(), 6);
    assert!(sheets[2].1.len() >= 3, "history rows");
    assert!(zip_entry(&path, "xl/charts/chart3.xml").is_some());

    std::fs::write(&path, "the old workbook").unwrap();
    std::fs::remove_file(dir.path().join("h.csv")).unwrap();
    let mut child = spawn_logging_run(dir.path(), &["--workbook", "w.xlsx"]);
    wait_for_rows(dir.path(), &mut child);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "the old workbook");
}

/// A workbook whose rows cannot be written (here the file-size limit, as a full disk would)
/// ends the run with an error naming it and the reason, not a panic; the old file stays and
/// no temporary file is left.
#[test]
fn a_workbook_that_cannot_be_written_is_an_error_and_the_old_file_stays() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("w.xlsx"), "the old workbook").unwrap();
    let iris = dataset("iris.csv");
    // SIGXFSZ ignored: a write past the limit fails with EFBIG instead of killing the process.
    let output = std::process::Command::new("sh")
        .args(["-c", r#"trap "" XFSZ; ulimit -f 400; exec "$0" "$@""#])
        .arg(env!("CARGO_BIN_EXE_mlp"))
        .args(["train", &iris, "--target", "species", "--epochs", "5", "--workbook", "w.xlsx"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "error: cannot write workbook w.xlsx: writing a worksheet's temporary file: File too \
             large"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.path().join("w.xlsx")).unwrap(), "the old workbook");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["w.xlsx"]);
}
