//! `mlp train --checkpoint` and `--resume`: the checkpoint written from the trainer's states,
//! and a resumed run's arguments rebuilt from the checkpoint.
//!
//! A checkpoint's `program` object holds `{"arguments": [...], "data": "..."}`: the command
//! line of the run's first part (program name first) and the training data's path. A resume
//! parses those arguments again, so the data, columns, network and settings are the first
//! part's; from its own command line it takes only the flags of [`ALLOWED`] (outputs, logs,
//! threads, the total `--epochs`, and the data path, checked against the checkpoint's
//! SHA-256).

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::parser::ValueSource;
use clap::{CommandFactory, Parser};
use mlp_train::checkpoint::{Checkpoint, TrainState};
use mlp_train::data::Preprocessor;
use mlp_train::model_file::{DataFile, Model};
use serde::{Deserialize, Serialize};

use crate::cli::{Cli, Command, TrainArgs};
use crate::common::{create_output, output_error};

/// The flags (clap ids) a resumed run may take from its own command line: they choose what is
/// written and where, how many threads compute, and how many epochs the whole run has; none
/// changes the numbers.
pub(crate) const ALLOWED: [&str; 19] = [
    "resume",
    "data",
    "epochs",
    "save",
    "grad_log",
    "grad_log_every",
    "grad_log_layers",
    "grad_log_max_rows",
    "layer_log",
    "history",
    "workbook",
    "checkpoint",
    "checkpoint_every",
    "append_logs",
    "json",
    "threads",
    "max_memory",
    "quiet",
    "verbose",
];

/// What `mlp` keeps in a checkpoint's `program` object.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Program {
    /// The first part's command line, program name first.
    pub(crate) arguments: Vec<String>,
    /// The training data's path.
    pub(crate) data: String,
}

/// A run continued from a checkpoint.
pub(crate) struct Resume {
    /// The checkpoint file.
    pub(crate) path: PathBuf,
    pub(crate) checkpoint: Checkpoint,
    /// Its model (the weights reached, the columns).
    pub(crate) model: Model,
    pub(crate) state: TrainState,
    /// The first part's command line.
    pub(crate) arguments: Vec<String>,
}

/// The arguments of the run that `current` (with `--resume`) continues, and the checkpoint.
pub(crate) fn resolve(current: &TrainArgs) -> anyhow::Result<(TrainArgs, Resume)> {
    let path = current.resume.clone().expect("called with --resume");
    let given = given_flags();
    if let Some(ids) = &given {
        let train = Cli::command();
        let train = train.find_subcommand("train").expect("a train command");
        if let Some(id) = ids.iter().find(|id| !ALLOWED.contains(&id.as_str())) {
            let flag = train
                .get_arguments()
                .find(|arg| arg.get_id() == id.as_str())
                .and_then(|arg| arg.get_long())
                .unwrap_or(id);
            bail!(
                "--{flag}: a resumed run keeps the settings of its checkpoint ({}); leave the flag \
                 out (only --epochs, the data file, output, log and --threads flags may change)",
                path.display()
            );
        }
    }
    let checkpoint = Checkpoint::load(&path)?;
    let model = checkpoint.model(&path)?;
    let state = checkpoint.train_state(&path)?;
    let program: Program = serde_json::from_value(checkpoint.program.clone()).map_err(|err| {
        anyhow::anyhow!(
            "{}: the checkpoint was not written by mlp train (its \"program\" does not read: {err})",
            path.display()
        )
    })?;
    let stored = match Cli::try_parse_from(&program.arguments) {
        Ok(Cli { command: Command::Train(args), .. }) => *args,
        Ok(_) => bail!("{}: the checkpoint's command line is not mlp train", path.display()),
        Err(err) => bail!(
            "{}: the checkpoint's command line does not parse: {}",
            path.display(),
            err.kind()
        ),
    };
    let is_given = |id: &str, differs: bool| {
        given.as_ref().map_or(differs, |ids| ids.iter().any(|given| given == id))
    };
    let defaults = TrainArgs::defaults();
    let data = if current.data.as_os_str().is_empty() {
        PathBuf::from(&program.data)
    } else {
        current.data.clone()
    };
    let args = TrainArgs {
        data,
        epochs: if is_given("epochs", current.epochs != defaults.epochs) {
            current.epochs
        } else {
            stored.epochs
        },
        threads: if is_given("threads", current.threads.is_some()) {
            current.threads
        } else {
            stored.threads
        },
        max_memory: if is_given("max_memory", current.max_memory.is_some()) {
            current.max_memory
        } else {
            stored.max_memory
        },
        save: current.save.clone(),
        grad_log: current.grad_log.clone(),
        grad_log_every: current.grad_log_every,
        grad_log_layers: current.grad_log_layers.clone(),
        grad_log_max_rows: current.grad_log_max_rows,
        layer_log: current.layer_log.clone(),
        history: current.history.clone(),
        workbook: current.workbook.clone(),
        checkpoint: current.checkpoint.clone(),
        checkpoint_every: current.checkpoint_every,
        append_logs: current.append_logs,
        json: current.json,
        resume: current.resume.clone(),
        ..stored
    };
    let arguments = program.arguments;
    Ok((args, Resume { path, checkpoint, model, state, arguments }))
}

/// The ids of the `train` flags given on this process's command line; `None` when it is not an
/// `mlp train` command line (a test calling the library in-process).
fn given_flags() -> Option<Vec<String>> {
    let matches = Cli::command().try_get_matches_from(std::env::args_os()).ok()?;
    let (name, train) = matches.subcommand()?;
    if name != "train" {
        return None;
    }
    let given = train
        .ids()
        .filter(|id| train.value_source(id.as_str()) == Some(ValueSource::CommandLine))
        .map(|id| id.as_str().to_owned())
        .collect();
    Some(given)
}

/// Fails unless the data at `data` is the checkpoint's (same SHA-256).
pub(crate) fn check_data(resume: &Resume, data: &Path, hashed: &DataFile) -> anyhow::Result<()> {
    Ok(resume.checkpoint.check_data(&resume.path, data, hashed)?)
}

/// Writes the trainer's states to `--checkpoint`.
pub(crate) struct CheckpointWriter {
    pub(crate) path: PathBuf,
    pub(crate) every: usize,
    pub(crate) preprocessor: Preprocessor,
    pub(crate) data: Option<DataFile>,
    pub(crate) program: serde_json::Value,
    /// A checkpoint that could not be written: the run stops with it.
    pub(crate) error: Option<anyhow::Error>,
    /// Checkpoints written.
    pub(crate) written: usize,
}

impl CheckpointWriter {
    /// A writer for `args.checkpoint`, if given; `arguments` is the first part's command line
    /// (this one's for a new run).
    pub(crate) fn new(
        args: &TrainArgs,
        preprocessor: &Preprocessor,
        data: Option<DataFile>,
        arguments: Vec<String>,
    ) -> Option<CheckpointWriter> {
        let path = args.checkpoint.clone()?;
        let program = Program { arguments, data: args.data.display().to_string() };
        Some(CheckpointWriter {
            path,
            every: args.checkpoint_every,
            preprocessor: preprocessor.clone(),
            data,
            program: serde_json::to_value(program).expect("the program serializes"),
            error: None,
            written: 0,
        })
    }

    /// Writes `state`; an error is kept and stops the run.
    pub(crate) fn write(&mut self, state: &TrainState) -> ControlFlow<()> {
        match self.try_write(state) {
            Ok(()) => {
                self.written += 1;
                ControlFlow::Continue(())
            }
            Err(err) => {
                self.error = Some(err);
                ControlFlow::Break(())
            }
        }
    }

    fn try_write(&self, state: &TrainState) -> anyhow::Result<()> {
        let model = Model::new(state.network.clone(), self.preprocessor.clone())
            .context("the trained model does not fit its columns")?;
        let mut checkpoint = Checkpoint::new(state, model, self.data.clone());
        checkpoint.program = self.program.clone();
        let output = create_output(&self.path, "checkpoint")?;
        checkpoint.save_to(output).map_err(|err| match err {
            mlp_train::checkpoint::CheckpointError::Write(err) => output_error(err, "checkpoint"),
            err => err.into(),
        })
    }
}

/// An earlier run's log that `--append-logs` continues: its header and the rows up to the
/// checkpoint, copied to a temporary file beside it; the new run's rows are added at the end
/// and the whole put in place at once.
pub(crate) struct Appended {
    path: PathBuf,
    header: String,
    writer: std::io::BufWriter<std::fs::File>,
    replacement: mlp_train::output_file::Replacement,
}

/// For each of `--history`, `--grad-log` and `--layer-log` that exists as a regular file: its
/// header and its rows up to the checkpoint (epoch ≤ `epochs_done` for the history, step ≤
/// `steps` for the others), copied aside. Called before the new logs are created.
pub(crate) fn start_appending(
    args: &TrainArgs,
    epochs_done: usize,
    steps: usize,
) -> anyhow::Result<Vec<Appended>> {
    use std::io::{BufRead, Write};
    let mut appended = Vec::new();
    // (path, the 0-based column that numbers a row, its limit)
    let logs =
        [(&args.history, 0, epochs_done), (&args.grad_log, 1, steps), (&args.layer_log, 1, steps)];
    for (path, column, limit) in logs {
        let Some(path) = path else { continue };
        if !std::fs::metadata(path).is_ok_and(|metadata| metadata.is_file()) {
            continue;
        }
        let reading = |err: std::io::Error| {
            anyhow::anyhow!("{}: cannot read the log to append to: {err}", path.display())
        };
        let mut lines =
            std::io::BufReader::new(std::fs::File::open(path).map_err(reading)?).lines();
        let header = match lines.next() {
            Some(line) => line.map_err(reading)?,
            None => continue,
        };
        let (file, replacement) = create_output(path, "log")?.into_parts();
        let mut writer = std::io::BufWriter::new(file);
        let writing = |err: std::io::Error| {
            anyhow::anyhow!("{}: cannot write the log: {err}", path.display())
        };
        writeln!(writer, "{header}").map_err(writing)?;
        for (index, line) in lines.enumerate() {
            let line = line.map_err(reading)?;
            let number = line.split(',').nth(column).and_then(|field| field.parse::<usize>().ok());
            let Some(number) = number else {
                bail!("{}: line {}: not a row of an mlp log", path.display(), index + 2);
            };
            if number <= limit {
                writeln!(writer, "{line}").map_err(writing)?;
            }
        }
        appended.push(Appended { path: path.clone(), header, writer, replacement });
    }
    Ok(appended)
}

/// Adds the new logs' rows (at the same paths, without their header) to the kept rows and
/// puts each file in place.
pub(crate) fn finish_appending(appended: Vec<Appended>) -> anyhow::Result<()> {
    use std::io::{BufRead, Write};
    for Appended { path, header, mut writer, replacement } in appended {
        let reading = |err: std::io::Error| {
            anyhow::anyhow!("{}: cannot read the new log: {err}", path.display())
        };
        let writing = |err: std::io::Error| {
            anyhow::anyhow!("{}: cannot write the log: {err}", path.display())
        };
        let mut new = std::io::BufReader::new(std::fs::File::open(&path).map_err(reading)?);
        let mut first = String::new();
        new.read_line(&mut first).map_err(reading)?;
        if first.trim_end_matches(['\n', '\r']) != header {
            bail!(
                "{}: --append-logs: the new rows have other columns than the earlier run's file; \
                 write them to another file",
                path.display()
            );
        }
        std::io::copy(&mut new, &mut writer).map_err(writing)?;
        writer.flush().map_err(writing)?;
        let file = writer.into_inner().map_err(|err| writing(err.into_error()))?;
        replacement.commit_synced(&file).map_err(|err| output_error(err, "log"))?;
    }
    Ok(())
}
