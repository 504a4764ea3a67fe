//! Outputs checked before any work (issue #10): clashes between outputs and inputs by any
//! spelling, devices, FIFOs, links, modes, directories, read-only places, and `predict` written
//! a chunk at a time with the same bytes as the whole file at once.
#![cfg(unix)]

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use mlp_train::data::{CsvOptions, Table};
use mlp_train::model_file::Model;

use crate::util::{assert_unchanged, dataset, mlp, mlp_fails, mlp_ok, snapshot, write};

/// Asserts that `dir` holds no temporary file left behind (`.<name>.<random>.tmp`).
fn assert_no_temporary_files(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "{name} left in {}", dir.display());
    }
}

/// Runs `mlp args…` in `dir` and asserts exit 1, an `error: ` with every needle, no panic.
fn fails_in(dir: &Path, args: &[&str], needles: &[&str]) -> String {
    let stderr = mlp_fails(dir, args, needles);
    assert_no_temporary_files(dir);
    stderr
}

/// True when the tests run as root, for whom a read-only directory can be written.
fn running_as_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

/// A directory with `train.csv` and `test.csv` (copies of xor) and `init.json`, a model
/// trained on them.
fn training_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let xor = std::fs::read_to_string(dataset("xor.csv")).unwrap();
    write(dir.path(), "train.csv", &xor);
    write(dir.path(), "test.csv", &xor);
    mlp_ok(
        dir.path(),
        &["train", "train.csv", "--target", "y", "--epochs", "1", "--save", "init.json"],
    );
    dir
}

/// Ways of naming the file `name` in `dir` other than `name` itself, creating what they need
/// (a subdirectory, a symbolic link, a hard link): `./name`, `sub/../name`, `link-name`,
/// `hard-name`.
fn other_spellings(dir: &Path, name: &str) -> Vec<String> {
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let link = format!("link-{name}");
    let hard = format!("hard-{name}");
    if !dir.join(&link).exists() {
        std::os::unix::fs::symlink(name, dir.join(&link)).unwrap();
        std::fs::hard_link(dir.join(name), dir.join(&hard)).unwrap();
    }
    vec![format!("./{name}"), format!("sub/../{name}"), link, hard]
}

/// The train flags that write a file.
/// The train flags that write a file, in the order a clash between two of them names them.
const TRAIN_OUTPUTS: [&str; 4] = ["--save", "--grad-log", "--layer-log", "--history"];

#[test]
fn train_outputs_naming_an_input_by_any_spelling_are_refused_before_any_work() {
    let dir = training_dir();
    let inputs =
        [("train.csv", "the training data"), ("test.csv", "--test"), ("init.json", "--init")];
    let mut n_cases = 0;
    for (input, what) in inputs {
        let mut spellings = vec![input.to_owned()];
        spellings.extend(other_spellings(dir.path(), input));
        for spelling in &spellings {
            for flag in TRAIN_OUTPUTS {
                let args = [
                    "train",
                    "train.csv",
                    "--target",
                    "y",
                    "--test",
                    "test.csv",
                    "--init",
                    "init.json",
                    "--epochs",
                    "1",
                    flag,
                    spelling,
                ];
                let needle = format!("{flag} {spelling} would replace {what}");
                let stderr = fails_in(dir.path(), &args, &[&needle]);
                assert_eq!(stderr.lines().count(), 1, "{stderr}");
                n_cases += 1;
            }
        }
    }
    assert_eq!(n_cases, 3 * 5 * 4);
}

#[test]
fn two_train_outputs_naming_one_file_are_refused_naming_both_flags() {
    let dir = training_dir();
    // An existing file (by every spelling) and a file still to be created.
    write(dir.path(), "log.csv", "epoch,loss\n1,0.5\n");
    let mut names = vec![("log.csv".to_owned(), "log.csv".to_owned())];
    names.extend(
        other_spellings(dir.path(), "log.csv").into_iter().map(|s| ("log.csv".to_owned(), s)),
    );
    names.push(("new.csv".to_owned(), "sub/../new.csv".to_owned()));
    let mut n_cases = 0;
    for (first_idx, first) in TRAIN_OUTPUTS.iter().enumerate() {
        for second in &TRAIN_OUTPUTS[first_idx + 1..] {
            for (plain, spelling) in &names {
                let args = [
                    "train",
                    "train.csv",
                    "--target",
                    "y",
                    "--epochs",
                    "1",
                    first,
                    plain,
                    second,
                    spelling,
                ];
                let needle = format!("{first} and {second} both name {spelling}");
                fails_in(dir.path(), &args, &[&needle]);
                assert!(!dir.path().join("new.csv").exists());
                n_cases += 1;
            }
        }
    }
    assert_eq!(n_cases, 6 * 6);
}

#[test]
fn predict_output_naming_the_model_or_the_data_by_any_spelling_is_refused() {
    let dir = training_dir();
    for (input, what) in [("init.json", "the model"), ("train.csv", "the data")] {
        let mut spellings = vec![input.to_owned()];
        spellings.extend(other_spellings(dir.path(), input));
        for spelling in &spellings {
            let args = ["predict", "--model", "init.json", "train.csv", "--output", spelling];
            let needle = format!("--output {spelling} would replace {what}");
            fails_in(dir.path(), &args, &[&needle]);
        }
    }
    // Standard input and output are not files: `-` never clashes.
    let xor = std::fs::read(dataset("xor.csv")).unwrap();
    let stdout = run_with_stdin(
        dir.path(),
        &["predict", "--model", "init.json", "-", "--output", "-"],
        &xor,
    );
    assert!(stdout.starts_with("row,predicted_y"), "{stdout}");
}

/// Runs `mlp args…` in `dir` with `stdin` as its standard input; asserts success, returns
/// stdout.
fn run_with_stdin(dir: &Path, args: &[&str], stdin: &[u8]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_failed_predict_leaves_an_earlier_output_whole_and_no_temporary_file() {
    let dir = training_dir();
    write(dir.path(), "p.csv", "earlier predictions\n");
    let bad = write(dir.path(), "bad.csv", "x1,x2\n1,oops\n");
    fails_in(
        dir.path(),
        &["predict", "--model", "init.json", &bad, "--output", "p.csv"],
        &["bad.csv: line 2, column 2"],
    );
    fails_in(
        dir.path(),
        &["predict", "--model", "init.json", "train.csv", "--keep", "nope", "--output", "p.csv"],
        &["--keep", "nope"],
    );
}

#[test]
fn output_to_dev_null_works_and_leaves_a_character_device() {
    use std::os::unix::fs::FileTypeExt;
    let dir = training_dir();
    let stdout = mlp_ok(
        dir.path(),
        &["predict", "--model", "init.json", "train.csv", "--output", "/dev/null"],
    );
    assert_eq!(stdout, "");
    mlp_ok(
        dir.path(),
        &["train", "train.csv", "--target", "y", "--epochs", "1", "--save", "/dev/null"],
    );
    let metadata = std::fs::metadata("/dev/null").unwrap();
    assert!(metadata.file_type().is_char_device(), "/dev/null is no longer a device");
}

#[test]
fn output_to_dev_full_fails_with_the_path_and_the_os_error() {
    let dir = training_dir();
    fails_in(
        dir.path(),
        &["predict", "--model", "init.json", "train.csv", "--output", "/dev/full"],
        &["/dev/full: cannot write the predictions", "No space left on device"],
    );
    fails_in(
        dir.path(),
        &["--quiet", "train", "train.csv", "--target", "y", "--epochs", "1", "--save", "/dev/full"],
        &["/dev/full: cannot write the model file", "No space left on device"],
    );
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/full").unwrap().file_type().is_char_device());
}

#[test]
fn output_to_a_fifo_is_written_directly() {
    use std::os::unix::fs::FileTypeExt;
    let dir = training_dir();
    let status = Command::new("mkfifo").arg(dir.path().join("fifo")).status().unwrap();
    assert!(status.success());
    let fifo = dir.path().join("fifo");
    let reader = std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap());
    mlp_ok(dir.path(), &["predict", "--model", "init.json", "train.csv", "--output", "fifo"]);
    let through_fifo = reader.join().unwrap();
    let to_stdout = mlp_ok(dir.path(), &["predict", "--model", "init.json", "train.csv"]);
    assert_eq!(through_fifo, to_stdout);
    assert!(std::fs::symlink_metadata(dir.path().join("fifo")).unwrap().file_type().is_fifo());
}

#[test]
fn dev_stdout_is_written_directly_whatever_stdout_is() {
    let dir = training_dir();
    let args = ["predict", "--model", "init.json", "train.csv"];
    let expected = mlp_ok(dir.path(), &args);
    // A pipe.
    let piped = mlp_ok(dir.path(), &[&args[..], &["--output", "/dev/stdout"]].concat());
    assert_eq!(piped, expected);
    // A regular file the shell opened: written into, not renamed over.
    let redirected = dir.path().join("redirected.csv");
    let file = File::create(&redirected).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(args)
        .args(["--output", "/dev/stdout"])
        .current_dir(dir.path())
        .stdout(file.try_clone().unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(&redirected).unwrap(), expected);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&redirected).unwrap().ino(), file.metadata().unwrap().ino());
    assert_no_temporary_files(dir.path());
}

#[test]
fn a_symlinks_target_is_replaced_and_the_link_stays() {
    let dir = training_dir();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    write(dir.path(), "real/p.csv", "old\n");
    write(dir.path(), "real/m.json", "old\n");
    std::os::unix::fs::symlink("real/p.csv", dir.path().join("p.csv")).unwrap();
    std::os::unix::fs::symlink("real/m.json", dir.path().join("m.json")).unwrap();
    let expected = mlp_ok(dir.path(), &["predict", "--model", "init.json", "train.csv"]);
    mlp_ok(dir.path(), &["predict", "--model", "init.json", "train.csv", "--output", "p.csv"]);
    mlp_ok(
        dir.path(),
        &["train", "train.csv", "--target", "y", "--epochs", "1", "--save", "m.json"],
    );
    for link in ["p.csv", "m.json"] {
        let metadata = std::fs::symlink_metadata(dir.path().join(link)).unwrap();
        assert!(metadata.file_type().is_symlink(), "{link} is no longer a link");
    }
    assert_eq!(std::fs::read_to_string(dir.path().join("real/p.csv")).unwrap(), expected);
    let model = std::fs::read_to_string(dir.path().join("real/m.json")).unwrap();
    assert!(model.contains("\"layers\""), "{model}");
    assert_no_temporary_files(dir.path());
    assert_no_temporary_files(&dir.path().join("real"));
}

#[test]
fn new_outputs_get_the_mode_file_create_gives() {
    use std::os::unix::fs::PermissionsExt;
    let dir = training_dir();
    File::create(dir.path().join("reference")).unwrap();
    let mode =
        |name: &str| std::fs::metadata(dir.path().join(name)).unwrap().permissions().mode() & 0o777;
    mlp_ok(dir.path(), &["predict", "--model", "init.json", "train.csv", "--output", "p.csv"]);
    mlp_ok(
        dir.path(),
        &["train", "train.csv", "--target", "y", "--epochs", "1", "--save", "m.json"],
    );
    mlp_ok(dir.path(), &["man", "--dir", "man"]);
    // The child inherits this process's umask, as File::create here obeys it.
    assert_eq!(mode("p.csv"), mode("reference"));
    assert_eq!(mode("m.json"), mode("reference"));
    assert_eq!(mode("man/mlp.1"), mode("reference"));
    // A file replaced keeps its mode.
    std::fs::set_permissions(dir.path().join("p.csv"), std::fs::Permissions::from_mode(0o600))
        .unwrap();
    mlp_ok(dir.path(), &["predict", "--model", "init.json", "train.csv", "--output", "p.csv"]);
    assert_eq!(mode("p.csv"), 0o600);
}

#[test]
fn a_directory_or_a_trailing_slash_is_an_error_naming_the_path() {
    let dir = training_dir();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    for save in ["out", "out/", "new/"] {
        let stderr = fails_in(
            dir.path(),
            &[
                "train",
                "train.csv",
                "--target",
                "y",
                "--epochs",
                "1",
                "--history",
                "h.csv",
                "--save",
                save,
            ],
            &[&format!("{save}: cannot write the model file: it is a directory")],
        );
        assert!(!dir.path().join("h.csv").exists(), "trained before failing:\n{stderr}");
    }
    for output in ["out", "out/", "new/"] {
        fails_in(
            dir.path(),
            &["predict", "--model", "init.json", "train.csv", "--output", output],
            &[&format!("{output}: cannot write the predictions: it is a directory")],
        );
    }
    fails_in(
        dir.path(),
        &["man", "--dir", "train.csv"],
        &["train.csv: cannot create the directory"],
    );
    assert!(!dir.path().join("new").exists());
}

#[test]
fn a_directory_that_cannot_be_written_in_is_detected_before_any_work() {
    // Not even root may create a file in /sys.
    if Path::new("/sys/kernel").is_dir() {
        let dir = training_dir();
        fails_in(
            dir.path(),
            &["predict", "--model", "init.json", "train.csv", "--output", "/sys/p.csv"],
            &["/sys/p.csv: cannot write the predictions", "Permission denied"],
        );
        let args = [
            "train",
            "train.csv",
            "--target",
            "y",
            "--epochs",
            "1",
            "--history",
            "h.csv",
            "--save",
            "/sys/m.json",
        ];
        fails_in(dir.path(), &args, &["/sys/m.json: cannot write the model file"]);
        assert!(!dir.path().join("h.csv").exists(), "trained before failing");
    }
}

#[test]
fn a_read_only_directory_is_detected_before_any_work() {
    if running_as_root() {
        eprintln!("skipped: root can write in a read-only directory");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = training_dir();
    let read_only = dir.path().join("ro");
    std::fs::create_dir(&read_only).unwrap();
    write(&read_only, "p.csv", "earlier predictions\n");
    write(&read_only, "mlp.1", "earlier page\n");
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o555)).unwrap();
    let before = snapshot(&read_only);
    fails_in(
        dir.path(),
        &["predict", "--model", "init.json", "train.csv", "--output", "ro/p.csv"],
        &["ro/p.csv: cannot write the predictions", "Permission denied"],
    );
    fails_in(
        dir.path(),
        &[
            "train",
            "train.csv",
            "--target",
            "y",
            "--epochs",
            "1",
            "--history",
            "h.csv",
            "--save",
            "ro/m.json",
        ],
        &["ro/m.json: cannot write the model file", "Permission denied"],
    );
    assert!(!dir.path().join("h.csv").exists(), "trained before failing");
    fails_in(
        dir.path(),
        &["man", "--dir", "ro"],
        &["ro/mlp.1: cannot write the manual page", "Permission denied"],
    );
    assert_unchanged(&before);
    assert_no_temporary_files(&read_only);
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn long_paths_and_names_are_cut_in_messages() {
    let dir = training_dir();
    let long_dir = vec!["d".repeat(200); 300].join("/");
    let long_path = format!("{long_dir}/p.csv");
    let stderr = fails_in(
        dir.path(),
        &["predict", "--model", "init.json", "train.csv", "--output", &long_path],
        &["cannot write the predictions", "…"],
    );
    assert!(stderr.len() < 2_000, "{} bytes of message", stderr.len());
    let stderr = fails_in(
        dir.path(),
        &[
            "train",
            "train.csv",
            "--target",
            "y",
            "--epochs",
            "1",
            "--save",
            &format!("{long_dir}/m.json"),
        ],
        &["cannot write the model file", "…"],
    );
    assert!(stderr.len() < 2_000, "{} bytes of message", stderr.len());
    // Two names in one argument, which may hold 128 KiB.
    let long_name = "n".repeat(60_000);
    let twice = format!("{long_name},{long_name}");
    let stderr = fails_in(
        dir.path(),
        &["predict", "--model", "init.json", "train.csv", "--keep", &twice],
        &["--keep names the column", "…"],
    );
    assert!(stderr.len() < 2_000, "{} bytes of message", stderr.len());
    let stderr = fails_in(
        dir.path(),
        &["explain", "--model", "init.json", "train.csv", "--weight", &long_name],
        &["the network has no parameter \"nnnn", "…"],
    );
    assert!(stderr.len() < 2_000, "{} bytes of message", stderr.len());
}

#[test]
fn man_dir_replaces_its_pages_whole() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("man")).unwrap();
    write(dir.path(), "man/mlp.1", "old page\n");
    let stdout = mlp_ok(dir.path(), &["man", "--dir", "man"]);
    assert!(stdout.contains("mlp-predict.1"), "{stdout}");
    let page = std::fs::read_to_string(dir.path().join("man/mlp.1")).unwrap();
    assert_eq!(page, mlp_ok(dir.path(), &["man"]));
    assert_no_temporary_files(&dir.path().join("man"));
}

/// `rows` data rows of a shipped dataset, repeated, with its header: a file longer than one
/// chunk of predictions.
fn repeated(name: &str, rows: usize) -> String {
    let text = std::fs::read_to_string(dataset(name)).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let data: Vec<&str> = lines.filter(|line| !line.trim().is_empty()).collect();
    let mut out = format!("{header}\n");
    for line in data.iter().cycle().take(rows) {
        out += line;
        out.push('\n');
    }
    out
}

/// What `mlp predict` wrote before it worked in chunks: the whole file forwarded at once
/// (`Network::predict`), un-scaled, one row per sample, as CSV or JSON Lines.
fn whole_file_predictions(model: &Path, data: &Path, json: bool) -> Vec<u8> {
    let model = Model::load(model).unwrap();
    let table = Table::read(data, &CsvOptions::default()).unwrap();
    let inputs = model.preprocessor.inputs::<f64>(&table).unwrap();
    let mut outputs = model.network.predict(&inputs).unwrap();
    model.preprocessor.unscale_outputs(&mut outputs).unwrap();
    let classes = model.preprocessor.class_encoding().map(|encoding| encoding.class_names());
    let mut header = vec!["row".to_owned()];
    header.extend(model.preprocessor.target_names().iter().map(|t| format!("predicted_{t}")));
    if let Some(classes) = classes {
        header.extend(classes.iter().map(|class| format!("p_{class}")));
    }
    let rows = outputs.column_iter().enumerate().map(|(sample_idx, output)| {
        let mut cells = vec![serde_json::Value::from(sample_idx + 1)];
        if let Some(classes) = classes {
            cells.push(classes[output.argmax().0].as_str().into());
        }
        cells.extend(output.iter().map(|&value| serde_json::Value::from(value)));
        cells
    });
    if json {
        let mut text = String::new();
        for cells in rows {
            let object: serde_json::Map<String, serde_json::Value> =
                header.iter().cloned().zip(cells).collect();
            text += &serde_json::Value::Object(object).to_string();
            text.push('\n');
        }
        return text.into_bytes();
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for cells in rows {
        writer
            .write_record(cells.iter().map(|cell| match cell {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Number(number) if number.is_u64() => number.to_string(),
                number => number.as_f64().unwrap().to_string(),
            }))
            .unwrap();
    }
    writer.into_inner().unwrap()
}

#[test]
fn predict_in_chunks_writes_the_same_bytes_as_the_whole_file_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // 2,050 rows: three chunks of 683 or 684, not 1,024 + 1,024 + 2.
    write(dir.path(), "iris.csv", &repeated("iris.csv", 2050));
    write(dir.path(), "diabetes.csv", &repeated("diabetes.csv", 3001));
    mlp_ok(
        dir.path(),
        &[
            "train",
            "iris.csv",
            "--target",
            "species",
            "--epochs",
            "2",
            "--hidden",
            "64,64",
            "--save",
            "iris.json",
        ],
    );
    mlp_ok(
        dir.path(),
        &[
            "train",
            "diabetes.csv",
            "--target",
            "progression",
            "--epochs",
            "2",
            "--standardize-target",
            "--save",
            "diabetes.json",
        ],
    );
    for (model, data) in [("iris.json", "iris.csv"), ("diabetes.json", "diabetes.csv")] {
        for json in [false, true] {
            let mut args = vec!["predict", "--model", model, data, "--output", "p.out"];
            if json {
                args.push("--json");
            }
            mlp_ok(dir.path(), &args);
            let written = std::fs::read(dir.path().join("p.out")).unwrap();
            let expected =
                whole_file_predictions(&dir.path().join(model), &dir.path().join(data), json);
            assert!(written == expected, "{model} on {data}, json {json}: other bytes");
            // The same bytes on stdout.
            args.truncate(4);
            if json {
                args.push("--json");
            }
            let output = mlp(dir.path(), &args);
            assert!(output.stdout == expected, "{model} on {data}, json {json}: stdout differs");
        }
    }
}

#[test]
fn a_reader_that_stops_early_ends_predict_quietly() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    // Far more than a pipe's buffer, in several chunks.
    write(dir.path(), "iris.csv", &repeated("iris.csv", 5000));
    mlp_ok(
        dir.path(),
        &["train", "iris.csv", "--target", "species", "--epochs", "1", "--save", "m.json"],
    );
    for format in [None, Some("--json")] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mlp"))
            .args(["predict", "--model", "m.json", "iris.csv"])
            .args(format)
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{format:?}: {stderr}");
        assert_eq!(stderr, "", "{format:?}");
        assert!(first.starts_with("row") || first.starts_with("{\"row\":1"), "{first}");
    }
}
