//! Outputs that would replace an input or another output, caught before any file is read or
//! written.
//!
//! Two paths clash when they name one file: for files that exist, the same device and inode
//! (the `same-file` crate: `data.csv`, `./data.csv` and a symbolic link to it are one file);
//! for an output that does not exist yet, the same canonical directory and file name. Two
//! outputs that write to standard output (`-`, `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`,
//! or the summary a command prints) clash too: their bytes would interleave. Standard input
//! (`-` as an input) and files that are not regular files (`/dev/null`, a FIFO) never clash.

use std::path::{Path, PathBuf};

use anyhow::bail;
use mlp_train::output_file::{replaced_path, ShortPath};
use same_file::Handle;

/// A path given on the command line and what it is, for messages: `--save`, `the training
/// data`.
pub(crate) struct Named<'a> {
    pub(crate) what: &'a str,
    pub(crate) path: &'a Path,
}

impl<'a> Named<'a> {
    pub(crate) fn new(what: &'a str, path: &'a Path) -> Self {
        Named { what, path }
    }
}

/// What identifies the file a path names.
#[derive(PartialEq, Eq)]
enum Identity {
    /// An existing regular file.
    Existing(Handle),
    /// A file to be created: its canonical directory joined with its name.
    New(PathBuf),
    /// Standard output (outputs only).
    Stdout,
}

/// The spellings of standard output as an output path.
const STDOUT_PATHS: [&str; 4] = ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"];

/// [`identity`] of an output: the spellings of standard output are [`Identity::Stdout`].
fn output_identity(path: &Path) -> Option<Identity> {
    match STDOUT_PATHS.iter().any(|stdout| path == Path::new(stdout)) {
        true => Some(Identity::Stdout),
        false => identity(path),
    }
}

/// The file `path` names, or `None` when it cannot clash (`-`, a device, a FIFO, a directory
/// that does not exist: writing there fails later with its own message).
fn identity(path: &Path) -> Option<Identity> {
    if path == Path::new("-") {
        return None;
    }
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_file() => Handle::from_path(path).ok().map(Identity::Existing),
        Ok(_) => None,
        Err(_) => {
            // A dangling link names the file it would create (as the output will follow it).
            let path = &replaced_path(path).ok().flatten()?;
            let name = path.file_name()?;
            let dir = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            Some(Identity::New(dir.canonicalize().ok()?.join(name)))
        }
    }
}

/// What the summary a command prints on stdout is called in messages: give it as an output
/// named `-` when the command will print one.
pub(crate) const SUMMARY: &str = "the summary";

/// Fails, naming both, when an output is the same file as an input or as another output.
pub(crate) fn check_outputs(inputs: &[Named<'_>], outputs: &[Named<'_>]) -> anyhow::Result<()> {
    let inputs: Vec<(&Named<'_>, Identity)> =
        inputs.iter().filter_map(|named| Some((named, identity(named.path)?))).collect();
    let outputs: Vec<(&Named<'_>, Identity)> =
        outputs.iter().filter_map(|named| Some((named, output_identity(named.path)?))).collect();
    for (output_idx, (output, id)) in outputs.iter().enumerate() {
        if let Some((input, _)) = inputs.iter().find(|(_, input_id)| input_id == id) {
            bail!(
                "{} {} would replace {} ({}); write it to another file",
                output.what,
                ShortPath(output.path),
                input.what,
                ShortPath(input.path)
            );
        }
        if let Some((other, _)) = outputs[..output_idx].iter().find(|(_, other_id)| other_id == id)
        {
            if *id == Identity::Stdout {
                bail!(
                    "{} and {} both write to standard output; give one of them a file{}",
                    other.what,
                    output.what,
                    if other.what == SUMMARY { " (or add --quiet, without --json)" } else { "" }
                );
            }
            bail!(
                "{} and {} both name {}; give each output a file of its own",
                other.what,
                output.what,
                ShortPath(output.path)
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_that_is_an_input_by_another_spelling_clashes() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.csv");
        std::fs::write(&data, "x,y\n1,2\n").unwrap();
        let spelled = dir.path().join(".").join("data.csv");
        let err = check_outputs(
            &[Named::new("the training data", &data)],
            &[Named::new("--save", &spelled)],
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("--save "), "{err}");
        assert!(err.to_string().contains("would replace the training data"), "{err}");
    }

    #[test]
    fn two_new_outputs_with_one_name_clash_and_distinct_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log.csv");
        let same = dir.path().join("sub/../log.csv");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let err =
            check_outputs(&[], &[Named::new("--history", &log), Named::new("--grad-log", &same)])
                .unwrap_err();
        assert!(err.to_string().starts_with("--history and --grad-log both name "), "{err}");
        let other = dir.path().join("other.csv");
        check_outputs(&[], &[Named::new("--history", &log), Named::new("--grad-log", &other)])
            .unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_link_clashes_with_the_output_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("log.csv", &link).unwrap();
        let log = dir.path().join("log.csv");
        let err =
            check_outputs(&[], &[Named::new("--history", &link), Named::new("--grad-log", &log)])
                .unwrap_err();
        assert!(err.to_string().starts_with("--history and --grad-log both name "), "{err}");
    }

    #[test]
    fn standard_streams_and_devices_never_clash() {
        let dash = Path::new("-");
        let null = Path::new("/dev/null");
        check_outputs(
            &[Named::new("the data", dash)],
            &[
                Named::new("--output", dash),
                Named::new("--save", null),
                Named::new("--history", null),
            ],
        )
        .unwrap();
    }
}
