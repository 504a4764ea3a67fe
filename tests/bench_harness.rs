//! `bench/compare`, the comparison harness of BENCHMARKS.md: its own self-test (statistics,
//! the Rust benches' output it parses, the tutorial's step in the Python peers, the stand-in
//! data) and its command line. Python 3 is not a build dependency: without `python3` on the
//! PATH these tests say so on stderr and pass; the harness needs none of scikit-learn, PyTorch
//! or pandas for them.

use std::path::PathBuf;
use std::process::{Command, Output};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench").join("compare")
}

/// `python3 bench/compare ARGS`, or `None` when there is no `python3` to run it.
fn compare(args: &[&str]) -> Option<Output> {
    match Command::new("python3").arg(script()).args(args).output() {
        Ok(output) => Some(output),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("python3 is not on the PATH: bench/compare not run");
            None
        }
        Err(err) => panic!("python3 {}: {err}", script().display()),
    }
}

#[cfg(unix)]
#[test]
fn compare_is_executable() {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(script()).unwrap().permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "bench/compare is not executable: mode {mode:o}");
}

#[test]
fn compare_self_test_passes() {
    let Some(output) = compare(&["--self-test"]) else { return };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "bench/compare --self-test failed:\n{stderr}");
    assert!(stderr.contains("OK"), "{stderr}");
}

#[test]
fn compare_help_lists_its_options() {
    let Some(output) = compare(&["--help"]) else { return };
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for option in ["--rounds", "--warmup", "--only", "--data-dir", "--w3", "--mlp", "--markdown"] {
        assert!(stdout.contains(option), "--help does not list {option}:\n{stdout}");
    }
}

#[test]
fn compare_refuses_an_unknown_workload_before_running_anything() {
    let data_dir = tempfile::tempdir().unwrap();
    let data_dir = data_dir.path().to_str().unwrap();
    let Some(output) = compare(&["--only", "W1,W9", "--data-dir", data_dir]) else { return };
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--only: unknown workload W9"), "{stderr}");
    assert!(!stderr.contains("Traceback"), "{stderr}");
}

#[test]
fn compare_refuses_a_missing_mlp_binary() {
    let data_dir = tempfile::tempdir().unwrap();
    let missing = data_dir.path().join("no-such-mlp");
    let Some(output) = compare(&[
        "--mlp",
        missing.to_str().unwrap(),
        "--data-dir",
        data_dir.path().to_str().unwrap(),
    ]) else {
        return;
    };
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: --mlp: "), "{stderr}");
    assert!(stderr.contains("no-such-mlp is not an executable file"), "{stderr}");
    assert!(!stderr.contains("Traceback"), "{stderr}");
}
