//! The architecture invariants of ARCHITECTURE.md, checked on the sources themselves.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The dependency names declared in a manifest's `[dependencies]`-like tables.
fn dependency_names(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut names = Vec::new();
    let mut in_dependencies = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line.contains("dependencies");
        } else if in_dependencies && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.', ' ']).next().unwrap().trim().to_owned();
            names.push(name);
        }
    }
    names
}

fn rust_sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_sources(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

/// A source file without its comment lines: doc comments may show a user printing results or
/// reading files; code may not.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

#[test]
fn mlp_core_depends_on_no_logging_io_or_cli_crate() {
    let names = dependency_names(&workspace_root().join("crates/mlp-core/Cargo.toml"));
    assert!(names.contains(&"nalgebra".to_owned()), "the parser found {names:?}");
    for forbidden in ["tracing", "tracing-subscriber", "csv", "clap", "serde", "anyhow"] {
        assert!(!names.iter().any(|name| name == forbidden), "mlp-core names {forbidden}");
    }
}

#[test]
fn mlp_core_sources_do_no_file_io_or_logging() {
    let sources = rust_sources(&workspace_root().join("crates/mlp-core/src"));
    assert!(sources.len() > 5);
    for path in sources {
        let code = code_of(&path);
        for forbidden in ["std::fs", "File::", "println!", "eprintln!", "tracing::"] {
            assert!(!code.contains(forbidden), "{} uses {forbidden}", path.display());
        }
    }
}

#[test]
fn mlp_train_does_not_parse_arguments() {
    let names = dependency_names(&workspace_root().join("crates/mlp-train/Cargo.toml"));
    assert!(names.contains(&"mlp-core".to_owned()));
    assert!(!names.iter().any(|name| name == "clap" || name == "anyhow"));
}

/// The library reports; it never prints: warnings come back as `mlp_train::warnings::Warning`
/// values for the program to show (ARCHITECTURE.md, mlp-train).
#[test]
fn mlp_train_sources_print_nothing() {
    let sources = rust_sources(&workspace_root().join("crates/mlp-train/src"));
    assert!(sources.iter().any(|path| path.ends_with("warnings.rs")));
    for path in sources {
        let code = code_of(&path);
        for forbidden in ["println!", "print!(", "eprint!(", "dbg!"] {
            assert!(!code.contains(forbidden), "{} uses {forbidden}", path.display());
        }
    }
}

/// mlp-data reads and prepares data and does nothing else: no logging, no argument parsing, no
/// training (it may not depend on mlp-train, which builds on it), and it prints nothing.
#[test]
fn mlp_data_neither_logs_nor_trains_nor_parses_arguments() {
    let names = dependency_names(&workspace_root().join("crates/mlp-data/Cargo.toml"));
    assert!(names.contains(&"csv".to_owned()), "the parser found {names:?}");
    for forbidden in ["mlp-train", "mlp-cli", "tracing", "tracing-subscriber", "clap", "anyhow"] {
        assert!(!names.iter().any(|name| name == forbidden), "mlp-data names {forbidden}");
    }
    let train = dependency_names(&workspace_root().join("crates/mlp-train/Cargo.toml"));
    assert!(train.contains(&"mlp-data".to_owned()), "mlp-train builds on mlp-data");
    let sources = rust_sources(&workspace_root().join("crates/mlp-data/src"));
    assert!(sources.iter().any(|path| path.ends_with("table.rs")));
    for path in sources {
        let code = code_of(&path);
        for forbidden in ["println!", "print!(", "eprint!(", "dbg!", "tracing::"] {
            assert!(!code.contains(forbidden), "{} uses {forbidden}", path.display());
        }
    }
}
