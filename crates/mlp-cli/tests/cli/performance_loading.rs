//! Issue #11's loading: files of several read chunks (the chunked, multi-threaded path) give
//! the same errors, with the same line and column, and the same training as the `csv` crate's
//! path, wherever in the file the odd line is.

use crate::util::{assert_unchanged, mlp, mlp_fails, snapshot};

/// Rows past the first chunks of the loader (4 MiB each): about 12 MB of text.
const N_ROWS: usize = 500_000;

/// A header `x1,x2,y` and `N_ROWS` rows of numbers with two classes; `odd(row)` may rewrite a
/// row (0-based; it is on line `row + 2`).
fn big_csv(odd: impl Fn(usize, String) -> String) -> String {
    let mut text = String::from("x1,x2,y\n");
    for row in 0..N_ROWS {
        let x1 = (row % 1000) as f64 / 7.0;
        let line = format!("{x1:.6},{:.4},{}\n", (row % 13) as f64 - 6.0, row % 2);
        text.push_str(&odd(row, line));
    }
    text
}

/// Rewrites row `row` (0-based) of a `big_csv`, given its line.
type Rewrite = fn(usize, String) -> String;

#[test]
fn an_error_deep_in_a_big_file_names_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Rewrite, &[&str]); 4] = [
        (
            "word.csv",
            |row, line| if row == 400_000 { "1.5,oops,0\n".to_owned() } else { line },
            &["word.csv: line 400002, column 2 (x2): expected a number, found \"oops\""],
        ),
        (
            "ragged.csv",
            |row, line| if row == 350_000 { "1.5,2\n".to_owned() } else { line },
            &["ragged.csv: line 350002: expected 3 fields, found 2"],
        ),
        (
            "nul.csv",
            |row, line| if row == 300_001 { "1.5,2\0,1\n".to_owned() } else { line },
            &["nul.csv: line 300003, column 2: a NUL byte"],
        ),
        (
            // The first error in file order is the one reported: a ragged row after a line
            // with a quote (read by the csv crate's path from there on).
            "quote_then_ragged.csv",
            |row, line| match row {
                200_000 => "\"1.5\",2,1\n".to_owned(),
                450_000 => "1\n".to_owned(),
                _ => line,
            },
            &["quote_then_ragged.csv: line 450002: expected 3 fields, found 1"],
        ),
    ];
    for (name, odd, needles) in cases {
        std::fs::write(dir.path().join(name), big_csv(odd)).unwrap();
        let model = dir.path().join("model.json");
        let stderr = mlp_fails(
            dir.path(),
            &["train", name, "--target", "y", "--epochs", "1", "--save", "model.json"],
            needles,
        );
        assert!(!model.exists(), "{name}: a model was written\n{stderr}");
    }
}

#[test]
fn quotes_crlf_and_blank_lines_past_the_first_chunks_train_as_plain_lines() {
    let plain_dir = tempfile::tempdir().unwrap();
    let odd_dir = tempfile::tempdir().unwrap();
    std::fs::write(plain_dir.path().join("data.csv"), big_csv(|_, line| line)).unwrap();
    let odd = big_csv(|row, line| match row {
        // Quoted fields, CRLF, a blank line and a line of spaces, from the middle on.
        r if r >= 250_000 && r % 3 == 0 => {
            let fields: Vec<String> =
                line.trim_end().split(',').map(|field| format!("\"{field}\"")).collect();
            format!("{}\r\n", fields.join(","))
        }
        300_000 => format!("\n   \n{line}"),
        _ => line,
    });
    std::fs::write(odd_dir.path().join("data.csv"), odd).unwrap();
    let args = [
        "train",
        "data.csv",
        "--target",
        "y",
        "--hidden",
        "4",
        "--epochs",
        "1",
        "--batch-size",
        "512",
        "--seed",
        "3",
        "--validation",
        "0.1",
    ];
    let before = snapshot(odd_dir.path());
    let run = |dir: &std::path::Path| {
        let output = mlp(dir, &args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        String::from_utf8(output.stdout).unwrap() + &stderr
    };
    let plain = run(plain_dir.path());
    let odd = run(odd_dir.path());
    assert_unchanged(&before);
    // The same samples, numbers and split: the same losses, to the digit.
    let summary = |text: &str| -> Vec<String> {
        let evaluation =
            |line: &&str| line.starts_with("train (") || line.starts_with("validation (");
        text.lines().filter(evaluation).map(str::to_owned).collect()
    };
    assert_eq!(summary(&plain).len(), 2, "{plain}");
    assert_eq!(summary(&odd), summary(&plain));
}

/// The saved model of `--save model.json` in `dir`, without its provenance (which names the
/// files and the time).
fn saved_model(dir: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("model.json")).unwrap();
    let mut model: serde_json::Value = serde_json::from_str(&text).unwrap();
    model.as_object_mut().unwrap().remove("provenance");
    model
}

#[test]
fn features_in_another_order_train_the_model_of_the_file_written_in_that_order() {
    // The target in the middle, the features asked for in another order than the file's: the
    // inputs are cut out of the table's numbers in place, in `--features`' order.
    let mixed = tempfile::tempdir().unwrap();
    let ordered = tempfile::tempdir().unwrap();
    let (mut mixed_text, mut ordered_text) = ("x1,y,x2,x3\n".to_owned(), "x3,x1,x2,y\n".to_owned());
    for row in 0..300 {
        let (x1, x2, x3) = (row as f64 / 7.0, ((row * 37) % 101) as f64 * 0.3, (row % 5) as f64);
        let y = (row * 7) % 3;
        mixed_text += &format!("{x1:.5},{y},{x2:.3},{x3}\n");
        ordered_text += &format!("{x3},{x1:.5},{x2:.3},{y}\n");
    }
    std::fs::write(mixed.path().join("data.csv"), mixed_text).unwrap();
    std::fs::write(ordered.path().join("data.csv"), ordered_text).unwrap();
    for precision in ["f64", "f32"] {
        let args = [
            "train",
            "data.csv",
            "--target",
            "y",
            "--hidden",
            "5",
            "--epochs",
            "3",
            "--precision",
            precision,
            "--save",
            "model.json",
        ];
        let output = mlp(mixed.path(), &[&args[..], &["--features", "x3,x1,x2"]].concat());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success() && !stderr.contains("panicked"), "{stderr}");
        let output = mlp(ordered.path(), &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success() && !stderr.contains("panicked"), "{stderr}");
        let model = saved_model(mixed.path());
        assert_eq!(model["inputs"]["names"], serde_json::json!(["x3", "x1", "x2"]), "{precision}");
        assert_eq!(model, saved_model(ordered.path()), "{precision}");
    }
}

#[test]
fn a_number_too_large_for_f32_in_an_f32_run_is_read_exactly_not_as_infinity() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.csv"), "a,b,y\n1,2,0\n1e39,3,1\n2,4,0\n3,5,1\n").unwrap();
    std::fs::write(dir.path().join("model.json"), "an older model").unwrap();
    let before = snapshot(dir.path());
    // Standardized (in f64), 1e39 is an ordinary value: the f32 run trains as the f64 one.
    let f32_run = ["train", "big.csv", "--target", "y", "--epochs", "2", "--precision", "f32"];
    let output = mlp(dir.path(), &f32_run);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && !stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("loss "), "{stderr}");
    // Unstandardized, it overflows f32: the overflow check names the file, row and column,
    // and nothing is written.
    mlp_fails(
        dir.path(),
        &[&f32_run[..], &["--no-standardize", "--save", "model.json"]].concat(),
        &[
            "big.csv: row 2: column \"a\" (inf as the network sees it) is too large",
            "leave out --no-standardize",
        ],
    );
    assert_unchanged(&before);
}
