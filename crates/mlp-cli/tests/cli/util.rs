use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's `datasets/` directory.
pub fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

/// A dataset file by its path under `datasets/`, as a string argument.
pub fn dataset(name: &str) -> String {
    datasets().join(name).display().to_string()
}

/// Runs `mlp args…` in `dir`.
pub fn mlp(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the mlp binary runs")
}

/// Runs `mlp args…` in `dir`, asserts success and returns stdout.
pub fn mlp_ok(dir: &Path, args: &[&str]) -> String {
    let output = mlp(dir, args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "mlp {args:?} failed:\n{stderr}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs `mlp args…` in `dir`, asserts it fails with exit code 1, a single `error: ` message
/// holding every one of `needles`, no panic, and every file already in `dir` left as it was;
/// returns stderr.
pub fn mlp_fails(dir: &Path, args: &[&str], needles: &[&str]) -> String {
    let before = snapshot(dir);
    let output = mlp(dir, args);
    assert_unchanged(&before);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "mlp {args:?}:\n{stderr}");
    assert!(!stderr.contains("panicked"), "mlp {args:?} panicked:\n{stderr}");
    assert!(stderr.starts_with("error: "), "mlp {args:?}:\n{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "mlp {args:?}: {needle:?} not in\n{stderr}");
    }
    stderr
}

/// Writes `text` to `name` in `dir` and returns its path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// `mlp train DATA --target TARGETS --init MODEL --loss LOSS` as the tutorial trains: plain SGD
/// with η = 0.5, one sample a step, all rows for training, inputs as they are; then `extra`.
pub fn sgd_from_init_args<'a>(
    data: &'a str,
    targets: &'a str,
    model: &'a str,
    loss: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "train",
        data,
        "--target",
        targets,
        "--init",
        model,
        "--loss",
        loss,
        "--optimizer",
        "sgd",
        "--learning-rate",
        "0.5",
        "--batch-size",
        "1",
        "--validation",
        "0",
        "--no-standardize",
    ];
    args.extend_from_slice(extra);
    args
}

/// The tutorial's run (`datasets/seed`: one SGD step of η = 0.5 on its one sample, from its
/// model file) without `--epochs`, followed by `extra` flags.
pub fn tutorial_args(extra: &[&str]) -> Vec<String> {
    let (data, model) = (dataset("seed/data.csv"), dataset("seed/model.json"));
    sgd_from_init_args(&data, "t1,t2", &model, "sse", extra)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Trains a quick (2-epoch) penguins model that fills missing cells in with medians
/// (`--missing median`) and saves it as `model` in `dir`.
pub fn train_penguins_median(dir: &Path, model: &str) {
    let penguins = dataset("penguins.csv");
    mlp_ok(
        dir,
        &["train", &penguins, "--target", "species", "--missing", "median", "--epochs", "2"]
            .into_iter()
            .chain(["--save", model])
            .collect::<Vec<_>>(),
    );
}

/// The bytes of every file directly in `dir`, to check after a run that failed or was stopped
/// that the files it must not touch are whole.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

/// Asserts that every file of `before` (a [`snapshot`]) still holds the same bytes.
pub fn assert_unchanged(before: &std::collections::BTreeMap<PathBuf, Vec<u8>>) {
    for (path, bytes) in before {
        let now = std::fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        assert!(&now == bytes, "{} was changed", path.display());
    }
}
