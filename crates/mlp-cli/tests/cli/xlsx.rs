//! Issue #15: `--grad-log FILE.xlsx`, the gradient log as an Excel workbook, read back with
//! calamine and compared with the CSV log cell for cell.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use calamine::{open_workbook, Data, Reader, Xlsx};

use crate::util::{dataset, mlp, mlp_ok, tutorial_args};

/// Every sheet of the workbook at `path`: its name and its rows of cells.
pub(crate) fn read_sheets(path: &Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
    let names = workbook.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = workbook.worksheet_range(&name).unwrap();
            assert_eq!(range.start(), Some((0, 0)), "sheet {name} starts at A1");
            (name, range.rows().map(<[Data]>::to_vec).collect())
        })
        .collect()
}

/// The XML of worksheet `number` (1-based) of the workbook at `path`.
pub(crate) fn sheet_xml(path: &Path, number: usize) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut entry = archive.by_name(&format!("xl/worksheets/sheet{number}.xml")).unwrap();
    let mut xml = String::new();
    entry.read_to_string(&mut xml).unwrap();
    xml
}

/// Asserts that the cells of `rows` (header included) hold the CSV log's values, parsed from
/// its text, bit for bit (an f64 run's log); returns the number of cells compared.
pub(crate) fn assert_equal_to_csv(rows: &[Vec<Data>], csv_text: &str) -> usize {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv_text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), records.len(), "rows");
    let mut n_cells = 0;
    for (row_idx, (row, record)) in rows.iter().zip(&records).enumerate() {
        assert!(row.len() <= record.len());
        for (column_idx, text) in record.iter().enumerate() {
            let cell = row.get(column_idx).unwrap_or(&Data::Empty);
            let at =
                format!("row {}, column {}: {cell:?} vs {text:?}", row_idx + 1, column_idx + 1);
            match cell {
                Data::Empty => assert_eq!(text, "", "{at}"),
                Data::String(string) => {
                    assert_eq!(string, text, "{at}");
                    assert!(text.parse::<f64>().is_err(), "{at}: a number stored as text");
                }
                Data::Float(value) => {
                    assert_eq!(value.to_bits(), text.parse::<f64>().unwrap().to_bits(), "{at}")
                }
                Data::Int(value) => assert_eq!(value.to_string(), text, "{at}"),
                other => panic!("{at}: unexpected {other:?}"),
            }
            n_cells += 1;
        }
    }
    n_cells
}

/// The README's tutorial command, once with `--grad-log out/tutorial-grads.csv` and once with
/// `.xlsx`: every cell of the workbook is the CSV's value, the W5 row's 0.02592286… included;
/// the sheet is `gradients`, its header frozen, the autofilter on all of it.
#[test]
fn the_tutorial_workbook_holds_the_csv_log_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    for log in ["out/tutorial-grads.csv", "out/tutorial-grads.xlsx"] {
        let args = tutorial_args(&["--epochs", "1", "--grad-log", log]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        mlp_ok(dir.path(), &args);
    }
    let csv_text = std::fs::read_to_string(dir.path().join("out/tutorial-grads.csv")).unwrap();
    let path = dir.path().join("out/tutorial-grads.xlsx");
    let sheets = read_sheets(&path);
    assert_eq!(sheets.len(), 1);
    assert_eq!(sheets[0].0, "gradients");
    let rows = &sheets[0].1;
    let n_cells = assert_equal_to_csv(rows, &csv_text);
    assert_eq!(n_cells, csv_text.lines().count() * 14);
    assert!(rows.len() >= 9, "{} rows", rows.len());
    // The tutorial's W5: dE/dw 0.02592286… and the new weight 0.43703857…, as numbers.
    let is_near =
        |cell: &Data, value: f64| matches!(cell, Data::Float(x) if (x - value).abs() < 1e-8);
    assert!(
        rows.iter().any(|row| is_near(&row[12], 0.02592286) && is_near(&row[13], 0.43703857)),
        "no W5 row"
    );
    assert!(rows[1..].iter().all(|row| matches!(row[7], Data::Float(_))), "weights are numbers");
    let xml = sheet_xml(&path, 1);
    assert!(xml.contains(r#"state="frozen""#) && xml.contains(r#"ySplit="1""#), "{xml:.1500}");
    assert!(xml.contains(&format!(r#"<autoFilter ref="A1:N{}"/>"#, rows.len())), "{xml:.1500}");
    assert!(xml.contains("<cols>"), "column widths");
    // Nothing left beside it.
    let names: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

/// A run of iris with its gradient log over three sheets of a workbook (`--grad-log-max-rows`
/// caps it, past one sheet of the row size a test can afford to read: the sheet size itself is
/// tested in the library): the CSV of the same run cell for cell, and the cap's warning.
#[test]
fn the_row_cap_warns_and_the_workbook_equals_the_csv_up_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    let common = [
        "train",
        &iris,
        "--target",
        "species",
        "--epochs",
        "3",
        "--seed",
        "7",
        "--grad-log-max-rows",
        "20000",
    ];
    for log in ["g.csv", "g.xlsx"] {
        let mut args = common.to_vec();
        args.extend_from_slice(&["--grad-log", log]);
        let output = mlp(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(
            stderr.contains(&format!("{log} stopped at its row cap of 20,000 rows")),
            "{stderr}"
        );
    }
    let csv_text = std::fs::read_to_string(dir.path().join("g.csv")).unwrap();
    let sheets = read_sheets(&dir.path().join("g.xlsx"));
    assert_eq!(sheets.len(), 1);
    assert_eq!(assert_equal_to_csv(&sheets[0].1, &csv_text), 20_001 * 14);
}

/// `--append-logs` cannot add rows to a workbook: refused before anything is written.
#[test]
fn append_logs_to_a_workbook_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    let args = ["train", &iris, "--target", "species", "--epochs", "2", "--checkpoint", "c.json"];
    mlp_ok(dir.path(), &args);
    let output = mlp(
        dir.path(),
        &["train", "--resume", "c.json", "--epochs", "3", "--append-logs", "--grad-log", "g.xlsx"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--append-logs: g.xlsx: a workbook cannot be appended to"), "{stderr}");
    assert!(!dir.path().join("g.xlsx").exists());
}

/// Starts iris for 100,000 epochs with the gradient log as a workbook and a history.
fn spawn_long_run(dir: &Path) -> Child {
    spawn_logging_run(dir, &["--grad-log", "g.xlsx"])
}

/// Starts iris for 100,000 epochs with `logs` and a history (`h.csv`), logging every 20th
/// step.
pub(crate) fn spawn_logging_run(dir: &Path, logs: &[&str]) -> Child {
    let iris = dataset("iris.csv");
    Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(["train", &iris, "--target", "species", "--epochs", "100000"])
        .args(logs)
        .args(["--history", "h.csv", "--grad-log-every", "20"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the mlp binary starts")
}

/// Waits until the history has two epochs.
pub(crate) fn wait_for_rows(dir: &Path, child: &mut Child) {
    let started = Instant::now();
    while std::fs::read_to_string(dir.join("h.csv")).unwrap_or_default().lines().count() < 3 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("mlp ended before it was signalled: {status}");
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no history rows after 60 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts [`spawn_logging_run`], sends SIGINT once the history has two epochs, and returns
/// what the run printed once it ended, by SIGINT's exit status 130.
pub(crate) fn interrupt_logging_run(dir: &Path, logs: &[&str]) -> std::process::Output {
    let mut child = spawn_logging_run(dir, logs);
    wait_for_rows(dir, &mut child);
    std::thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill").arg("-INT").arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    output
}

/// SIGINT stops the run gracefully and the workbook is finished: it opens, with as many rows
/// as the run logged, and no temporary file is left.
#[test]
fn sigint_finishes_the_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let output = interrupt_logging_run(dir.path(), &["--grad-log", "g.xlsx"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("wrote g.xlsx"), "{stderr}");
    let sheets = read_sheets(&dir.path().join("g.xlsx"));
    assert_eq!(sheets[0].0, "gradients");
    assert!(sheets[0].1.len() > 100, "{} rows", sheets[0].1.len());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|name| !name.ends_with(".tmp")), "{names:?}");
}

/// SIGKILL cannot let the workbook be finished: the old FILE.xlsx stays as it was (the new one
/// was only ever a temporary file beside it).
#[test]
fn a_killed_run_leaves_the_old_workbook_untouched() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("g.xlsx"), "the old log").unwrap();
    let mut child = spawn_long_run(dir.path());
    wait_for_rows(dir.path(), &mut child);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("g.xlsx")).unwrap(), "the old log");
}
