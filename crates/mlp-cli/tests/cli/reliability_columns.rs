//! Issue #10, the CSV reader's edges: very wide headers answered in linear time, long names cut
//! in messages, the bound on one record (`--max-record-size`), lines of only spaces skipped,
//! NUL bytes refused. Each failure exits 1 with one `error: ` naming the file (and line and
//! column), without a panic, leaving every file in the directory as it was (`mlp_fails`).

use crate::util::{dataset, mlp, mlp_fails, mlp_ok, write};

/// Most bytes of stderr a failure on a hostile file may print.
const MAX_STDERR: usize = 4 * 1024;

/// A header of `n_columns` names `pixel_000000`, … (the last one `label`) and two rows.
fn wide_csv(n_columns: usize) -> String {
    let mut names: Vec<String> = (0..n_columns - 1).map(|idx| format!("pixel_{idx:06}")).collect();
    names.push("label".to_owned());
    let row: Vec<&str> = (0..n_columns).map(|idx| ["0", "1"][idx % 2]).collect();
    let row = row.join(",");
    format!("{}\n{row}\n{row}\n", names.join(","))
}

#[test]
fn an_unknown_target_among_300000_columns_is_answered_with_a_short_message() {
    // It took 15.7 s at 100,000 columns, and more than a minute at 300,000 (quadratic).
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "wide.csv", &wide_csv(300_000));
    let stderr = mlp_fails(
        dir.path(),
        &["train", &data, "--target", "pixel_29999x"],
        &[
            "wide.csv: no column named \"pixel_29999x\" (did you mean \"pixel_299990\"?); the \
             columns are \"pixel_000000\", \"pixel_000001\",",
            "\"pixel_000029\", … and 299,970 more\n",
        ],
    );
    assert!(stderr.len() < MAX_STDERR, "{} bytes", stderr.len());

    // A list of features among them (as long as one argument may be): each name found without
    // a scan of the header.
    let features: Vec<String> =
        (0..300_000 - 1).step_by(60).map(|idx| format!("pixel_{idx:06}")).collect();
    let mut features = features.join(",");
    features.push_str(",pixel_x");
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "label", "--features", &features],
        &["wide.csv: no column named \"pixel_x\"", "… and 299,970 more"],
    );
}

#[test]
fn a_repeated_name_among_300000_columns_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let text = wide_csv(300_000).replacen(",label\n", ",pixel_000007\n", 1);
    let data = write(dir.path(), "twice.csv", &text);
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "pixel_000001"],
        &["twice.csv: line 1: column name \"pixel_000007\" appears twice in the header \
             (columns 8 and 300000)"],
    );
}

#[test]
fn a_10_mb_header_name_is_cut_in_every_message() {
    let dir = tempfile::tempdir().unwrap();
    let long = "n".repeat(10 << 20);
    let data = write(dir.path(), "long.csv", &format!("{long},b,y\n1,2,a\n3,4,b\n"));
    let cut = format!("\"{}\"… (10,485,760 bytes)", "n".repeat(80));
    let stderr = mlp_fails(
        dir.path(),
        &["train", &data, "--target", "nope"],
        &["long.csv: no column named \"nope\"; the columns are ", &cut, ", \"b\", \"y\"\n"],
    );
    assert!(stderr.len() < MAX_STDERR, "{} bytes", stderr.len());
    // Asked for by a long name (an argument holds at most 128 KiB): the name is cut too.
    let stderr = mlp_fails(
        dir.path(),
        &["train", &data, "--target", &"n".repeat(100_000)],
        &["long.csv: no column named \"nnnn", "… (100,000 bytes); the columns are"],
    );
    assert!(stderr.len() < MAX_STDERR, "{} bytes", stderr.len());
    // The same name twice in the header.
    let data = write(dir.path(), "twice.csv", &format!("{long},{long},y\n1,2,a\n"));
    let stderr = mlp_fails(
        dir.path(),
        &["train", &data, "--target", "y"],
        &["twice.csv: line 1: column name ", &cut, "appears twice in the header (columns 1 and 2)"],
    );
    assert!(stderr.len() < MAX_STDERR, "{} bytes", stderr.len());
}

#[test]
fn dev_zero_is_refused_at_the_record_bound() {
    // It used to read 2 GB into one record until the allocation aborted.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "keep.csv", "a,y\n1,2\n");
    mlp_fails(
        dir.path(),
        &["train", "/dev/zero", "--target", "y", "--max-record-size", "1M"],
        &["error: /dev/zero: line 1: a record longer than 1 MiB (not a CSV file, or a quote \
             left open?); if the rows really are that long, raise the limit with \
             --max-record-size\n"],
    );
    // Every command that reads a CSV file has the flag.
    let model = dataset("seed/model.json");
    for command in ["evaluate", "predict"] {
        mlp_fails(
            dir.path(),
            &[command, "--model", &model, "/dev/zero", "--max-record-size", "64K"],
            &["/dev/zero: line 1: a record longer than 64 KiB"],
        );
    }
}

#[test]
fn a_2_mib_line_is_refused_under_a_1_mib_bound_and_read_under_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let long_cell = "w".repeat(2 << 20);
    let mut text = String::from("x,note,y\n");
    for row in 0..20 {
        let note = if row == 2 { long_cell.as_str() } else { "short" };
        text.push_str(&format!("{},\"{note}\",{}\n", row % 5, row % 2));
    }
    let data = write(dir.path(), "long_line.csv", &text);
    let train = ["train", &data, "--target", "y", "--drop", "note", "--epochs", "1"];
    let with_bound: Vec<&str> = train.iter().copied().chain(["--max-record-size", "1M"]).collect();
    mlp_fails(
        dir.path(),
        &with_bound,
        &["long_line.csv: line 4: a record longer than 1 MiB", "--max-record-size"],
    );
    // The default bound (64 MiB) reads it.
    mlp_ok(dir.path(), &train);
    // A size that is not one is a usage error.
    let bad: Vec<&str> = train.iter().copied().chain(["--max-record-size", "1.5G"]).collect();
    let output = mlp(dir.path(), &bad);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--max-record-size"), "{stderr}");
}

#[test]
fn a_header_of_more_than_a_million_fields_is_refused() {
    // 60 million commas took 23 GB before the kernel killed the run.
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "commas.csv", &format!("{}\n1\n", ",".repeat(1_100_000)));
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "y"],
        &["commas.csv: line 1: 1,100,001 fields, more than the 1,000,000 columns a table may \
             have (is the delimiter right?)"],
    );
}

#[test]
fn trailing_lines_of_spaces_or_tabs_are_skipped() {
    // It used to be `line 152: expected 5 fields, found 1`.
    let dir = tempfile::tempdir().unwrap();
    let iris = std::fs::read_to_string(dataset("iris.csv")).unwrap();
    let clean = write(dir.path(), "clean.csv", &iris);
    let padded = write(dir.path(), "padded.csv", &format!("{iris}   \n\t\n \t \n  "));
    let summary = |data: &str| {
        let json =
            mlp_ok(dir.path(), &["train", data, "--target", "species", "--epochs", "2", "--json"]);
        let mut summary: serde_json::Value = serde_json::from_str(&json).unwrap();
        for timing in ["seconds", "read_seconds"] {
            summary.as_object_mut().unwrap().remove(timing);
        }
        summary
    };
    let clean_summary = summary(&clean);
    assert_eq!(clean_summary["train"]["samples"], 120);
    assert_eq!(summary(&padded), clean_summary);
    // Such lines between rows are skipped too; other text on a line is still an error.
    let (head, tail) = iris.split_at(iris.find("5.0,").unwrap());
    let middle = write(dir.path(), "middle.csv", &format!("{head}  \t\n{tail}"));
    assert_eq!(summary(&middle), clean_summary);
    let stray = write(dir.path(), "stray.csv", &format!("{iris} x \n"));
    mlp_fails(
        dir.path(),
        &["train", &stray, "--target", "species"],
        &["stray.csv: line 152: expected 5 fields, found 1"],
    );
}

#[test]
fn a_nul_byte_in_a_label_or_any_cell_is_an_error_not_a_class() {
    // A label `set\0osa` used to become a fourth class.
    let dir = tempfile::tempdir().unwrap();
    let iris = std::fs::read_to_string(dataset("iris.csv")).unwrap();
    let data = write(dir.path(), "nul.csv", &iris.replacen("setosa", "set\0osa", 1));
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "species"],
        &["nul.csv: line 2, column 5: a NUL byte, which CSV text never holds (binary data?)"],
    );
    let data = write(dir.path(), "nul_number.csv", "a,b,y\n1,2,x\n3,4\0,z\n");
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "y"],
        &["nul_number.csv: line 3, column 2: a NUL byte"],
    );
    let data = write(dir.path(), "nul_header.csv", "a,b\0,y\n1,2,x\n");
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "y"],
        &["nul_header.csv: line 1, column 2: a NUL byte"],
    );
}

#[test]
fn the_wide_cases_leave_pre_existing_files_whole() {
    // `mlp_fails` snapshots the directory; here the outputs asked for are in it too.
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "wide.csv", &wide_csv(1_000));
    write(dir.path(), "model.json", "{\"not\": \"a model\"}");
    write(dir.path(), "history.csv", "epoch,loss\n1,0.5\n");
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "nope", "--save", "model.json", "--history", "history.csv"],
        &["wide.csv: no column named \"nope\""],
    );
}
