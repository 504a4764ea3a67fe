//! `mlp train`: read and prepare the data, build (or load) the network, train it with the CSV
//! logs installed, report, save.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use mlp_core::{Activation, Architecture, Loss, Network, Scalar};
use mlp_train::checkpoint::{TrainProgress, TrainState};
use mlp_train::data::{
    prepare_training_table, ColumnSelection, NumberPrecision, Prepared, Preprocessor, SplitOptions,
    Task, TrainingOptions, DEFAULT_MAX_CATEGORIES,
};
use mlp_train::events::EpochRecord;
use mlp_train::health::HealthThresholds;
use mlp_train::human::plural;
use mlp_train::model_file::{
    DataFile, EvaluationRecord, FinalMetrics, Model, ModelFileError, Provenance, Settings,
};
use mlp_train::output_file::ShortPath;
use mlp_train::warnings::{negative_r2, training_warnings, Warning};
use mlp_train::{
    evaluate_prepared, train_from, ConfigError, Evaluation, Freeze, MetricsKind, Optimizer,
    ParamKind, StopReason, StopSignal, TrainConfig, TrainError, TrainObserver, TrainReport,
};

use crate::clash::{check_outputs, Named, SUMMARY};
use crate::cli::{
    ActivationArg, FreezeArg, LossArg, MissingArg, OptimizerArg, OutputActivationArg, PrecisionArg,
    TrainArgs, UnknownCategoryArg,
};
use crate::common::{
    check_output_path, create_output, evaluation_details, evaluation_json, evaluation_text,
    load_model, output_error, print_stdout, read_table, read_table_at, Samples,
};
use crate::logging::{self, CsvLogs, WrittenLog};
use crate::memory;
use crate::output::{duration_text, print_warnings, summary_json, Progress, Verbosity};
use crate::resume::{self, CheckpointWriter};
use crate::signals::{interrupted, Received, Signals};

/// The data made ready: the training set, the validation or test set, and what prepared them.
struct Data {
    preprocessor: Preprocessor,
    train: Samples,
    /// `("validation" | "test", samples)`.
    holdout: Option<(&'static str, Samples)>,
    /// What the preparation reports (rows dropped, an index column left out, …).
    warnings: Vec<Warning>,
    /// Seconds spent reading the training file into a table (parsing included, preparing not).
    read_seconds: f64,
}

/// What a run produced, in f64 whatever precision it trained in.
struct Outcome {
    network: Network<f64>,
    /// Complete epochs run.
    epochs_run: usize,
    best_epoch: usize,
    stopped_early: bool,
    steps: usize,
    /// [`TrainReport::loss_after`]: the final weights' loss on the training data.
    loss_after: f64,
    /// [`TrainReport::epoch_mean_loss`]: the last epoch's mean of its samples' losses.
    epoch_mean_loss: Option<f64>,
    train: Evaluation,
    holdout: Option<Evaluation>,
    /// What the run deserves a word about (see `mlp_train::warnings`).
    warnings: Vec<Warning>,
    /// The trainer's own training time ([`TrainReport::seconds`]); `None` when it diverged.
    training_seconds: Option<f64>,
    /// The checkpoint's (epochs done, steps) a resumed run started from.
    resumed_from: Option<(usize, usize)>,
    /// Checkpoints written.
    checkpoints: usize,
}

/// Runs `mlp train`.
///
/// Every setting is checked before any file is opened; `--save` is created (a temporary file
/// beside it) before the data is read, so an unwritable place fails before training; the logs
/// are created just before training and put in place of the old files only once the first step
/// has gone well. A signal (SIGINT, SIGTERM, SIGHUP) stops the run at the end of its step,
/// flushes the logs, saves the model and returns [`Interrupted`]; a divergence keeps the logs
/// whole and saves the last finite model before failing.
pub(crate) fn run(args: &TrainArgs, verbosity: Verbosity) -> anyhow::Result<()> {
    // A resumed run: the first part's arguments with this command line's outputs.
    let resumed = args.resume.as_ref().map(|_| resume::resolve(args)).transpose()?;
    let (args, resume) = match &resumed {
        Some((args, resume)) => (args, Some(resume)),
        None => (args, None),
    };
    let mut config = train_config(args, MetricsKind::Classification);
    config.validate().map_err(|err| setting_error(&err))?;
    let mut inputs = vec![Named::new("the training data", &args.data)];
    inputs.extend(args.test.as_deref().map(|path| Named::new("--test", path)));
    if resume.is_none() {
        inputs.extend(args.init.as_deref().map(|path| Named::new("--init", path)));
    }
    // The checkpoint is read whole before training: --checkpoint may write the same file.
    inputs.extend(
        args.resume
            .as_deref()
            .filter(|path| args.checkpoint.as_deref() != Some(*path))
            .map(|path| Named::new("--resume", path)),
    );
    let outputs: Vec<Named<'_>> = [
        ("--save", &args.save),
        ("--grad-log", &args.grad_log),
        ("--layer-log", &args.layer_log),
        ("--history", &args.history),
        ("--workbook", &args.workbook),
        ("--checkpoint", &args.checkpoint),
    ]
    .into_iter()
    .filter_map(|(flag, path)| path.as_deref().map(|path| Named::new(flag, path)))
    .collect();
    let mut outputs = outputs;
    if args.json || verbosity != Verbosity::Quiet {
        // The summary goes to stdout: an output there would interleave with it.
        outputs.insert(0, Named::new(SUMMARY, Path::new("-")));
    }
    check_outputs(&inputs, &outputs)?;
    for (path, what) in [
        (&args.save, "model file"),
        (&args.grad_log, "gradient log"),
        (&args.layer_log, "layer log"),
        (&args.history, "history"),
        (&args.workbook, "workbook"),
        (&args.checkpoint, "checkpoint"),
    ] {
        if let Some(path) = path {
            check_output_path(path, what)?;
        }
    }
    if args.data.as_os_str() == "-" && args.test.as_deref().is_some_and(|test| test == "-") {
        bail!("the training data and --test both read standard input; give one of them a file");
    }
    if let Some(test) = args.test.as_deref().filter(|test| test.as_os_str() != "-") {
        // Found missing now, not after the training file has been read.
        std::fs::File::open(test)
            .with_context(|| format!("{}: could not read the file", ShortPath(test)))?;
    }
    // Until the logs are created, a signal ends the process at once (nothing is in flight).
    let stop = StopSignal::new();
    let signals = Signals::install(stop.clone()).context("cannot install signal handlers")?;
    let init = match resume {
        // The first part's --init prepared the columns as the checkpoint's model does.
        Some(resume) => args.init.is_some().then(|| resume.model.clone()),
        None => args.init.as_deref().map(load_model).transpose()?,
    };
    if let (Some(model), Some(path), true) = (&init, &args.init, args.no_bias) {
        // A model without biases trains without them anyway: --no-bias says so, harmlessly.
        if model.network.layers().iter().any(|dense| dense.bias().is_some()) {
            bail!(
                "--no-bias: the model of --init ({}) has biases, which --no-bias cannot remove; \
                 leave out --no-bias, or add --freeze biases to keep them fixed",
                ShortPath(path)
            );
        }
    }
    let n_layers = match (&init, args.hidden.as_slice()) {
        (Some(model), _) => model.network.layers().len(),
        (None, [0]) => 1,
        (None, hidden) => hidden.len() + 1,
    };
    logging::check_grad_log_layers(args, n_layers)?;

    let data = prepare(args, init.as_ref())?;
    let hashed = match args.checkpoint.is_some() || resume.is_some() {
        true => Some(DataFile::hash(&args.data).with_context(|| {
            format!("{}: cannot read the data to hash it", args.data.display())
        })?),
        false => None,
    };
    if let (Some(resume), Some(hashed)) = (resume, &hashed) {
        resume::check_data(resume, &args.data, hashed)?;
    }
    let network = match resume {
        Some(resume) => resume.state.network.clone(),
        None => build_network(args, init.as_ref(), &data)?,
    };
    memory::check_inputs(
        &network,
        &data.train,
        &data.preprocessor,
        (&args.data, args.no_standardize),
        args.init.as_deref(),
        args.precision,
    )?;
    config.metrics = Some(data.preprocessor.task().metrics_kind());
    config.stop = Some(stop.clone());
    if let Some(received) = signals.received() {
        return Err(interrupted(received, "before training; nothing was written".to_owned()));
    }

    // From the logs' temporary files on, a signal stops the run gracefully (opening a FIFO
    // waits for its reader: until then a signal still ends the wait at once).
    let logs = [&args.grad_log, &args.layer_log, &args.history, &args.workbook];
    signals.graceful_before_creating(logs.into_iter().flatten().map(PathBuf::as_path));
    // --append-logs: the earlier run's rows up to the checkpoint, kept before the new logs
    // replace the files.
    let appended = match (resume, args.append_logs) {
        (Some(resume), true) => {
            let progress = &resume.state.progress;
            resume::start_appending(args, progress.epochs_done, progress.steps)?
        }
        _ => Vec::new(),
    };
    let (dispatch, mut logs) = logging::install(args, network.layers().len(), &stop)?;
    signals.graceful();
    let started = Instant::now();
    let arguments = match resume {
        Some(resume) => resume.arguments.clone(),
        None => std::env::args_os().map(|arg| arg.to_string_lossy().into_owned()).collect(),
    };
    let run = Run {
        config: &config,
        dispatch,
        verbosity,
        progress: resume.map(|resume| &resume.state.progress),
        checkpoint: CheckpointWriter::new(args, &data.preprocessor, hashed, arguments),
    };
    let (mut outcome, diverged) = match args.precision {
        PrecisionArg::F64 => train_in(network, &data, run, &mut logs)?,
        PrecisionArg::F32 => train_in::<f32>(network.cast(), &data, run, &mut logs)?,
    };
    // Training only (the trainer's clock): not the set-up, nor the evaluations before and after.
    let seconds = outcome.training_seconds.unwrap_or_else(|| started.elapsed().as_secs_f64());
    // The model file's provenance, for --save and --workbook's `run` sheet: made once (it
    // reads the data file whole to hash it).
    let provenance = (args.save.is_some() || args.workbook.is_some())
        .then(|| provenance(args, &config, &data, &outcome))
        .transpose()?;
    if let (Some(_), Some(provenance)) = (&args.workbook, &provenance) {
        logs.describe_run(&run_description(&outcome, provenance, seconds));
    }
    // Flushed before anything else is said: a failed write is the error to report.
    let (written, log_warnings) = logs.finish(verbosity == Verbosity::Quiet)?;
    resume::finish_appending(appended)?;
    if let Some(diverged) = diverged {
        return Err(save_diverged(args, &data, &outcome, &diverged, provenance));
    }
    let mut training_warnings = std::mem::take(&mut outcome.warnings);
    if args.init.is_some() {
        // A network trained before may have little left to learn: not a problem to report.
        training_warnings.retain(|warning| !matches!(warning, Warning::NotLearning { .. }));
    }
    let validation_r2 = outcome.holdout.as_ref().and_then(|evaluation| evaluation.r2);
    let standardized_target = data.preprocessor.target_scaler().is_some();
    outcome.warnings = unread_flags(args)
        .into_iter()
        .chain(data.warnings.iter().cloned())
        .chain(training_warnings)
        .collect();
    outcome.warnings.extend(log_warnings);
    outcome.warnings.extend(negative_r2(validation_r2, standardized_target));

    if let (Some(path), Some(provenance)) = (&args.save, provenance) {
        save_model(path, &data, &outcome, provenance)?;
    }
    // A signal after the last step (during the final evaluation or the save) still ends the
    // run as interrupted: the files are whole, and the caller learns it was stopped.
    let received = signals.received();
    print_warnings(&outcome.warnings, verbosity);
    report(args, &data, &outcome, seconds, &written, received, verbosity)?;
    match received {
        Some(received) => {
            let mut files: Vec<String> =
                written.iter().map(|log| log.path.display().to_string()).collect();
            files.extend(args.save.as_ref().map(|path| format!("{} (model)", path.display())));
            if outcome.checkpoints > 0 {
                let path = args.checkpoint.as_ref().map(|path| path.display());
                files.extend(path.map(|path| format!("{path} (checkpoint)")));
            }
            let wrote = match files.is_empty() {
                true => "nothing to write".to_owned(),
                false => format!("wrote {}", files.join(", ")),
            };
            let at = format!("at the end of step {}", outcome.steps);
            Err(interrupted(received, format!("{at}; {wrote}")))
        }
        None => Ok(()),
    }
}

/// A setting out of range, named by its flag.
fn setting_error(err: &TrainError) -> anyhow::Error {
    let TrainError::Config(config) = err else {
        return anyhow::anyhow!("{err}");
    };
    let flag = match config {
        ConfigError::BatchSize => Some("--batch-size"),
        ConfigError::Threads => Some("--threads"),
        ConfigError::LogEvery => Some("--grad-log-every"),
        ConfigError::LearningRate(_) => Some("--learning-rate"),
        ConfigError::L2(_) => Some("--l2"),
        ConfigError::Momentum(_) => Some("--momentum"),
        ConfigError::AdamBetas { beta1, .. } if !(0.0..1.0).contains(beta1) => Some("--beta1"),
        ConfigError::AdamBetas { .. } => Some("--beta2"),
        ConfigError::AdamEpsilon(_) | ConfigError::RmsPropEpsilon(_) => Some("--epsilon"),
        ConfigError::WeightDecay(_) => Some("--weight-decay"),
        ConfigError::RmsPropAlpha(_) => Some("--rmsprop-alpha"),
        ConfigError::ScheduleEvery | ConfigError::ScheduleFactor(_) => Some("--lr-schedule"),
        _ => None,
    };
    match flag {
        Some(flag) => anyhow::anyhow!("{flag}: {config}"),
        None => anyhow::anyhow!("{err}"),
    }
}

/// Writes the model with its provenance to `path`, through a temporary file renamed at the
/// end. The place was checked before training (`check_output_path`); the temporary file is
/// made only now, so a run killed while training leaves none behind.
fn save_model(
    path: &Path,
    data: &Data,
    outcome: &Outcome,
    provenance: Provenance,
) -> anyhow::Result<()> {
    let model = Model::new(outcome.network.clone(), data.preprocessor.clone())
        .context("the trained model does not fit its columns")?
        .with_provenance(provenance);
    let output = create_output(path, "model file")?;
    model.save_to(output).map_err(|err| match err {
        ModelFileError::Write(err) => output_error(err, "model file"),
        err => err.into(),
    })
}

/// The error of a run that diverged, after saving its last finite model to `--save` when at
/// least one step went well (a run that diverged at step 1 replaces no file). `provenance`
/// is there with `--save`.
fn save_diverged(
    args: &TrainArgs,
    data: &Data,
    outcome: &Outcome,
    diverged: &TrainError,
    provenance: Option<Provenance>,
) -> anyhow::Error {
    let (Some(path), Some(provenance)) = (&args.save, provenance) else {
        return anyhow::anyhow!("{diverged}");
    };
    if outcome.steps == 0 {
        return anyhow::anyhow!(
            "{diverged}; nothing was trained, {} was not written",
            path.display()
        );
    }
    match save_model(path, data, outcome, provenance) {
        Ok(()) => anyhow::anyhow!(
            "{diverged}; saved the last finite model (the weights after step {}) to {}",
            outcome.steps,
            path.display()
        ),
        Err(err) => err.context(format!("{diverged}; cannot save the last finite model")),
    }
}

/// Reads the training file (and the test file) and prepares them with the library's data
/// module: columns selected, missing values handled, categories one-hot encoded, classes
/// encoded, split, standardized. With `--init` the model's own preparation is used.
fn prepare(args: &TrainArgs, init: Option<&Model>) -> anyhow::Result<Data> {
    // A new preparation holds the file at the training precision (f32: half the memory).
    let precision = match (init, args.precision) {
        (None, PrecisionArg::F32) => NumberPrecision::F32,
        _ => NumberPrecision::F64,
    };
    let reading = Instant::now();
    let table = read_table_at(&args.data, &args.csv, precision)?;
    let read_seconds = reading.elapsed().as_secs_f64();
    let split = SplitOptions {
        validation_fraction: if args.test.is_some() { 0.0 } else { args.validation },
        seed: args.seed,
    };
    let mut warnings = Vec::new();
    let (preprocessor, train, validation, notices) = match (init, &args.init) {
        (Some(model), Some(path)) => {
            let targets = model.preprocessor.target_names();
            if args.target != targets {
                bail!(
                    "{}: the model predicts {} but --target names {}",
                    path.display(),
                    targets.join(","),
                    args.target.join(",")
                );
            }
            if let Some(features) = &args.features {
                if features != model.preprocessor.feature_names() {
                    bail!(
                        "{}: the model reads the columns {}; --features cannot change them",
                        path.display(),
                        model.preprocessor.feature_names().join(",")
                    );
                }
            }
            let ignored = preparation_flags(args, &model.preprocessor);
            if !ignored.is_empty() {
                warnings.push(Warning::IgnoredWithInit { flags: ignored });
            }
            let Prepared { preprocessor, train, validation, notices, .. } =
                model.preprocessor.prepare_training_file::<f64>(&table, &split)?;
            (preprocessor, train.into(), validation.map(Samples::from), notices)
        }
        _ => {
            let mut selection = ColumnSelection::new(args.target.iter().cloned())
                .with_drop(args.drop.iter().cloned())
                .with_max_categories(args.max_categories);
            if let Some(na_values) = &args.na_values {
                selection = selection.with_na_values(na_values.iter().cloned());
            }
            if let Some(features) = &args.features {
                selection = selection.with_features(features.iter().cloned());
            }
            let options = TrainingOptions {
                split,
                standardize: !args.no_standardize,
                standardize_target: args.standardize_target,
                missing: args.missing.into(),
                unknown_category: args.unknown_category.into(),
            };
            let task = args.task.into();
            // The table is taken: its block of numbers becomes the inputs where it can.
            match args.precision {
                PrecisionArg::F64 => {
                    let Prepared { preprocessor, train, validation, notices, .. } =
                        prepare_training_table::<f64>(table, &selection, task, &options)?;
                    (preprocessor, train.into(), validation.map(Samples::from), notices)
                }
                PrecisionArg::F32 => {
                    let Prepared { preprocessor, train, validation, notices, .. } =
                        prepare_training_table::<f32>(table, &selection, task, &options)?;
                    (preprocessor, train.into(), validation.map(Samples::from), notices)
                }
            }
        }
    };
    warnings.extend(notices.into_iter().map(Warning::Data));
    let mut holdout = validation.map(|validation| ("validation", validation));
    if let Some(test) = &args.test {
        let test_table = read_table(test, &args.csv)?;
        holdout = Some(("test", preprocessor.dataset::<f64>(&test_table)?.into()));
    }
    Ok(Data { preprocessor, train, holdout, warnings, read_seconds })
}

/// Flags given that nothing in this run reads.
fn unread_flags(args: &TrainArgs) -> Vec<Warning> {
    let defaults = TrainArgs::defaults();
    let mut warnings = Vec::new();
    let mut no_effect = |flag: &str, because: String| {
        warnings.push(Warning::NoEffect { flag: flag.to_owned(), because });
    };
    let uses_momentum = matches!(args.optimizer, OptimizerArg::Momentum | OptimizerArg::Nesterov);
    if !uses_momentum && args.momentum != defaults.momentum {
        no_effect("--momentum", format!("the optimizer is {}", args.optimizer.name()));
    }
    let adam = matches!(args.optimizer, OptimizerArg::Adam | OptimizerArg::AdamW);
    let rmsprop = args.optimizer == OptimizerArg::RmsProp;
    let optimizer_flags = [
        ("--beta1", adam, args.beta1 != defaults.beta1),
        ("--beta2", adam, args.beta2 != defaults.beta2),
        ("--epsilon", adam || rmsprop, args.epsilon != defaults.epsilon),
        (
            "--weight-decay",
            args.optimizer == OptimizerArg::AdamW,
            args.weight_decay != defaults.weight_decay,
        ),
        ("--rmsprop-alpha", rmsprop, args.rmsprop_alpha != defaults.rmsprop_alpha),
    ];
    for (flag, _, _) in optimizer_flags.into_iter().filter(|(_, read, given)| *given && !read) {
        no_effect(flag, format!("the optimizer is {}", args.optimizer.name()));
    }
    if args.decay_biases && args.l2 == 0.0 && args.optimizer != OptimizerArg::AdamW {
        no_effect("--decay-biases", "there is no --l2 decay".to_owned());
    }
    if args.grad_log.is_none() && args.workbook.is_none() {
        let given = [
            ("--grad-log-every", args.grad_log_every != defaults.grad_log_every),
            ("--grad-log-layers", args.grad_log_layers.is_some()),
            ("--grad-log-max-rows", args.grad_log_max_rows != defaults.grad_log_max_rows),
        ];
        for (flag, _) in given.into_iter().filter(|(_, given)| *given) {
            no_effect(flag, "there is no --grad-log".to_owned());
        }
    }
    if args.no_health_warnings {
        let given = [
            ("--warn-vanishing", args.warn_vanishing != defaults.warn_vanishing),
            ("--warn-exploding", args.warn_exploding != defaults.warn_exploding),
            ("--warn-growth", args.warn_growth != defaults.warn_growth),
            ("--warn-saturated", args.warn_saturated != defaults.warn_saturated),
            ("--warn-dead", args.warn_dead != defaults.warn_dead),
            ("--warn-epochs", args.warn_epochs != defaults.warn_epochs),
        ];
        for (flag, _) in given.into_iter().filter(|(_, given)| *given) {
            no_effect(flag, "--no-health-warnings is given".to_owned());
        }
    }
    warnings
}

/// The flags given that shape a new preparation of the columns and ask for something other
/// than what the model's own preparation does, which `--init` uses instead.
fn preparation_flags(args: &TrainArgs, model: &Preprocessor) -> Vec<String> {
    let task = Task::from(args.task);
    let given = [
        ("--no-standardize", args.no_standardize && model.standardizer().is_some()),
        ("--standardize-target", args.standardize_target && model.target_scaler().is_none()),
        ("--drop", !args.drop.is_empty()),
        ("--na-values", args.na_values.is_some()),
        ("--missing", args.missing != MissingArg::Error),
        ("--max-categories", args.max_categories != DEFAULT_MAX_CATEGORIES),
        ("--unknown-category", args.unknown_category != UnknownCategoryArg::Error),
        ("--task", task != Task::Auto && task != model.task()),
    ];
    given.into_iter().filter(|(_, given)| *given).map(|(flag, _)| flag.to_owned()).collect()
}

/// The network from `--init`, or a new one shaped by the flags, checked against the data.
fn build_network(
    args: &TrainArgs,
    init: Option<&Model>,
    data: &Data,
) -> anyhow::Result<Network<f64>> {
    let task = data.preprocessor.task();
    let (n_inputs, n_outputs) = (data.train.n_inputs(), data.train.n_outputs());
    let explicit_loss = match args.loss {
        LossArg::Auto => None,
        LossArg::Sse => Some(Loss::HalfSumSquared),
        LossArg::Mse => Some(Loss::MeanSquared),
        LossArg::CrossEntropy => Some(Loss::CrossEntropy),
    };
    if let (Some(model), Some(path)) = (init, &args.init) {
        let network = &model.network;
        if network.n_inputs() != n_inputs {
            bail!(
                "{}: the model takes {} inputs but {} has {} feature columns",
                path.display(),
                network.n_inputs(),
                args.data.display(),
                n_inputs
            );
        }
        if network.n_outputs() != n_outputs {
            bail!(
                "{}: the model has {} outputs but {} gives {} targets per row",
                path.display(),
                network.n_outputs(),
                args.data.display(),
                n_outputs
            );
        }
        let config = train_config(args, task.metrics_kind());
        let shape = (network.sizes(), network.layers().iter().any(|dense| dense.bias().is_some()));
        let (n_samples, max_memory) = (data.train.len(), args.max_memory);
        memory::check_training(
            args.precision,
            (&shape.0, shape.1),
            &config,
            n_samples,
            max_memory,
            "--init",
        )?;
        return match explicit_loss {
            Some(loss) if loss != network.loss() => Network::new(network.layers().to_vec(), loss)
                .with_context(|| format!("{}: cannot train with --loss {loss}", path.display())),
            _ => Ok(network.clone()),
        };
    }

    let hidden: Vec<usize> = match args.hidden.as_slice() {
        [0] => Vec::new(),
        sizes if sizes.contains(&0) => bail!("--hidden: a layer needs at least one neuron"),
        sizes => sizes.to_vec(),
    };
    let hidden_activation = match args.activation {
        ActivationArg::Sigmoid => Activation::Sigmoid,
        ActivationArg::Tanh => Activation::Tanh,
        ActivationArg::Relu => Activation::Relu,
        ActivationArg::LeakyRelu => Activation::LEAKY_RELU,
        ActivationArg::Identity => Activation::Identity,
    };
    let output_activation = match args.output_activation {
        OutputActivationArg::Auto => task.default_output_activation(),
        OutputActivationArg::Identity => Activation::Identity,
        OutputActivationArg::Sigmoid => Activation::Sigmoid,
        OutputActivationArg::Softmax => Activation::Softmax,
    };
    let loss = explicit_loss.unwrap_or(task.default_loss(output_activation));
    let sizes: Vec<usize> =
        std::iter::once(n_inputs).chain(hidden).chain(std::iter::once(n_outputs)).collect();
    let config = train_config(args, task.metrics_kind());
    let (n_samples, max_memory) = (data.train.len(), args.max_memory);
    memory::check_training(
        args.precision,
        (&sizes, !args.no_bias),
        &config,
        n_samples,
        max_memory,
        "--hidden",
    )?;
    let architecture =
        Architecture { sizes, hidden_activation, output_activation, bias: !args.no_bias, loss };
    Network::initialized(&architecture, None, args.seed).context("cannot build the network")
}

fn train_config(args: &TrainArgs, kind: MetricsKind) -> TrainConfig {
    let optimizer = match args.optimizer {
        OptimizerArg::Sgd => Optimizer::Sgd,
        OptimizerArg::Momentum => Optimizer::Momentum { momentum: args.momentum },
        OptimizerArg::Nesterov => Optimizer::Nesterov { momentum: args.momentum },
        OptimizerArg::Adam => {
            Optimizer::Adam { beta1: args.beta1, beta2: args.beta2, epsilon: args.epsilon }
        }
        OptimizerArg::AdamW => Optimizer::AdamW {
            beta1: args.beta1,
            beta2: args.beta2,
            epsilon: args.epsilon,
            weight_decay: args.weight_decay,
        },
        OptimizerArg::RmsProp => {
            Optimizer::RmsProp { alpha: args.rmsprop_alpha, epsilon: args.epsilon }
        }
    };
    TrainConfig {
        epochs: args.epochs,
        batch_size: args.batch_size,
        optimizer,
        learning_rate: args.learning_rate,
        schedule: args.lr_schedule,
        warmup: args.warmup,
        shuffle: !args.no_shuffle,
        l2: args.l2,
        decay_biases: args.decay_biases,
        seed: args.seed,
        patience: args.patience,
        metrics: Some(kind),
        log_every: args.grad_log_every,
        // The observer counts the epochs and keeps the last record; the report needs no more.
        keep_history: false,
        threads: args.threads.unwrap_or_else(mlp_train::available_threads),
        freeze: args.freeze.iter().fold(Freeze::none(), |freeze, kind| {
            let kind = match kind {
                FreezeArg::Biases => ParamKind::Biases,
                FreezeArg::Weights => ParamKind::Weights,
            };
            freeze.with(None, kind)
        }),
        health: (!args.no_health_warnings).then_some(HealthThresholds {
            vanishing_ratio: args.warn_vanishing,
            exploding_norm: args.warn_exploding,
            exploding_growth: args.warn_growth,
            saturated_fraction: args.warn_saturated,
            dead_fraction: args.warn_dead,
            persistence: args.warn_epochs,
        }),
        ..TrainConfig::default()
    }
}

/// What the CLI hears from the trainer: the progress display, the epochs so far and the last
/// one's record (kept for a run that diverges, whose report the trainer does not return), and
/// the logs, put in place of the old files after step 1.
struct Observer<'a> {
    progress: Progress,
    epochs_run: usize,
    last_epoch: Option<EpochRecord>,
    logs: &'a mut CsvLogs,
    /// A log that could not be put in place.
    commit_error: Option<anyhow::Error>,
    steps: usize,
    /// Writes `--checkpoint`.
    checkpoint: Option<CheckpointWriter>,
    /// The step after which the logs are put in place.
    first_step: usize,
}

impl TrainObserver for Observer<'_> {
    fn on_step(&mut self, step: usize) -> ControlFlow<()> {
        self.steps = step;
        // The run's first step: 1, or the one after a resumed checkpoint's.
        if step == self.first_step {
            if let Err(err) = self.logs.commit() {
                self.commit_error = Some(err);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    fn on_epoch(&mut self, record: &EpochRecord) -> ControlFlow<()> {
        self.progress.epoch(record);
        self.epochs_run += 1;
        self.last_epoch = Some(*record);
        ControlFlow::Continue(())
    }

    fn checkpoint_every(&self) -> Option<usize> {
        self.checkpoint.as_ref().map(|writer| writer.every)
    }

    fn on_checkpoint(&mut self, state: &TrainState) -> ControlFlow<()> {
        match &mut self.checkpoint {
            Some(writer) => writer.write(state),
            None => ControlFlow::Continue(()),
        }
    }
}

/// How [`train_in`] runs: the settings, the logs' subscriber, the progress display, the
/// checkpoint's state to continue from and the checkpoint writer.
struct Run<'a> {
    config: &'a TrainConfig,
    dispatch: Option<tracing::Dispatch>,
    verbosity: Verbosity,
    progress: Option<&'a TrainProgress>,
    checkpoint: Option<CheckpointWriter>,
}

/// Trains in precision `T` with the logs' subscriber (if any) as the default for this thread.
/// A run that diverged comes back with its last finite network and the error.
fn train_in<T: Scalar>(
    mut network: Network<T>,
    data: &Data,
    run: Run<'_>,
    logs: &mut CsvLogs,
) -> anyhow::Result<(Outcome, Option<TrainError>)> {
    let Run { config, dispatch, verbosity, progress, checkpoint } = run;
    let train = data.train.in_precision::<T>();
    let holdout = data.holdout.as_ref().map(|(_, set)| set.in_precision::<T>());
    let resumed_from = progress.map(|progress| (progress.epochs_done, progress.steps));
    let mut observer = Observer {
        progress: Progress::new(config.epochs, verbosity),
        epochs_run: resumed_from.map_or(0, |(epochs, _)| epochs),
        last_epoch: None,
        logs,
        commit_error: None,
        steps: resumed_from.map_or(0, |(_, steps)| steps),
        checkpoint,
        first_step: resumed_from.map_or(0, |(_, steps)| steps) + 1,
    };
    let mut run = || {
        let validation = holdout.as_deref();
        train_from(&mut network, &train, validation, config, progress, &mut observer)
    };
    let result = match dispatch {
        Some(dispatch) => tracing::dispatcher::with_default(&dispatch, run),
        None => run(),
    };
    if observer.steps == 0 && observer.commit_error.is_none() && result.is_ok() {
        // A run without a step (--epochs 0) puts its logs (their headers) in place here.
        if let Err(err) = observer.logs.commit() {
            observer.commit_error = Some(err);
        }
    }
    observer.progress.finish(observer.last_epoch.as_ref());
    if let Some(err) = observer.commit_error {
        return Err(err);
    }
    let checkpoints = match observer.checkpoint {
        Some(CheckpointWriter { error: Some(err), .. }) => return Err(err),
        Some(writer) => writer.written,
        None => 0,
    };
    let (report, diverged) = match result {
        Ok(report) => (report, None),
        Err(diverged @ TrainError::Diverged { .. }) => {
            let report = TrainReport {
                best_epoch: observer.epochs_run,
                // Read for warnings only, which a diverged run does not get.
                history: Vec::new(),
                stopped_early: false,
                stop_reason: StopReason::Completed,
                steps: observer.steps,
                initial_loss: f64::NAN,
                initial_val_loss: None,
                loss_after: f64::NAN,
                epoch_mean_loss: observer.last_epoch.map(|record| record.loss),
                seconds: f64::NAN,
                health: Vec::new(),
            };
            (report, Some(diverged))
        }
        Err(err) => return Err(err.into()),
    };
    let evaluate = |set| evaluate_prepared(&network, set, &data.preprocessor);
    let evaluated = evaluate(&train)
        .and_then(|train| Ok((train, holdout.as_deref().map(evaluate).transpose()?)));
    let (train_evaluation, holdout_evaluation) = match (evaluated, &diverged) {
        (Ok(evaluations), _) => evaluations,
        // The weights before the diverging step are finite but may overflow on other rows:
        // nothing worth saving.
        (Err(err), Some(diverged)) => {
            return Err(anyhow::anyhow!(
                "{diverged}; the last finite weights (after step {}) overflow too ({err}), so no \
                 model was saved",
                report.steps
            ));
        }
        (Err(err), None) => {
            return Err(anyhow::Error::new(err)
                .context("the trained network overflows on the training data"));
        }
    };
    Ok((
        Outcome {
            train: train_evaluation,
            holdout: holdout_evaluation,
            network: network.cast(),
            warnings: match diverged {
                Some(_) => Vec::new(),
                None => training_warnings(config, &report),
            },
            epochs_run: observer.epochs_run,
            best_epoch: report.best_epoch,
            stopped_early: report.stopped_early,
            steps: report.steps,
            loss_after: report.loss_after,
            epoch_mean_loss: report.epoch_mean_loss,
            training_seconds: diverged.is_none().then_some(report.seconds),
            resumed_from,
            checkpoints,
        },
        diverged,
    ))
}

/// The final summary: one JSON object with `--json`, lines of text otherwise (none when
/// quiet). `written` are the logs; the model file, if saved, comes after them.
fn report(
    args: &TrainArgs,
    data: &Data,
    outcome: &Outcome,
    seconds: f64,
    written: &[WrittenLog],
    interrupted: Option<Received>,
    verbosity: Verbosity,
) -> anyhow::Result<()> {
    let task = data.preprocessor.task().name();
    if args.json {
        let mut files: Vec<serde_json::Value> = written
            .iter()
            .map(|log| {
                let mut file = serde_json::json!({
                    "kind": log.kind.id(),
                    "path": log.path.display().to_string(),
                    "rows": log.rows,
                });
                if !log.parts.is_empty() {
                    file["rows"] = serde_json::Value::Null;
                    let logs: serde_json::Map<String, serde_json::Value> = log
                        .parts
                        .iter()
                        .map(|(kind, rows)| (kind.id().to_owned(), (*rows).into()))
                        .collect();
                    file["logs"] = logs.into();
                }
                file
            })
            .collect();
        if let Some(path) = &args.save {
            files.push(serde_json::json!({
                "kind": "model",
                "path": path.display().to_string(),
                "rows": null,
            }));
        }
        if let (Some(path), true) = (&args.checkpoint, outcome.checkpoints > 0) {
            files.push(serde_json::json!({
                "kind": "checkpoint",
                "path": path.display().to_string(),
                "rows": null,
            }));
        }
        let mut json = serde_json::json!({
            "task": task,
            "epochs": outcome.epochs_run,
            "best_epoch": outcome.best_epoch,
            "stopped_early": outcome.stopped_early,
            "interrupted": interrupted.is_some(),
            "signal": interrupted.map(|received| received.name),
            "steps": outcome.steps,
            "loss_after": outcome.loss_after,
            "epoch_mean_loss": outcome.epoch_mean_loss,
            "seconds": seconds,
            "read_seconds": data.read_seconds,
            "parameters": outcome.network.n_parameters(),
            "train": evaluation_json(&outcome.train),
            "model": args.save.as_ref().map(|path| path.display().to_string()),
            "files": files,
            "resumed_from": outcome.resumed_from.map(|(epoch, step)| {
                serde_json::json!({ "epoch": epoch, "step": step })
            }),
        });
        if let (Some((name, _)), Some(evaluation)) = (&data.holdout, &outcome.holdout) {
            json[*name] = evaluation_json(evaluation);
        }
        let json = summary_json("train", &outcome.warnings, json);
        return print_stdout(&format!("{json}\n"));
    }
    if verbosity == Verbosity::Quiet {
        return Ok(());
    }
    let sizes: Vec<String> = outcome.network.sizes().iter().map(usize::to_string).collect();
    let mut text = match interrupted {
        Some(received) => format!(
            "interrupted by {} at the end of step {}; the logs hold whole rows up to it\n",
            received.name, outcome.steps
        ),
        None => String::new(),
    };
    text += &format!(
        "trained a {} network ({}, {task}) for {} ({}) in {}",
        sizes.join("-"),
        plural(outcome.network.n_parameters() as u64, "parameter"),
        plural(outcome.epochs_run as u64, "epoch"),
        plural(outcome.steps as u64, "step"),
        duration_text(seconds),
    );
    if outcome.stopped_early {
        text += &format!("; stopped early, keeping epoch {}", outcome.best_epoch);
    }
    if let (Some((epoch, step)), Some(path)) = (outcome.resumed_from, &args.resume) {
        text += &format!("; resumed from {} at epoch {epoch}, step {step}", path.display());
    }
    if data.preprocessor.target_scaler().is_some() {
        text += "\nthe loss is in standardized target units; mae, rmse and r2 in the file's";
    }
    text += &format!(
        "\ntrain ({}): {}\n",
        plural(data.train.len() as u64, "sample"),
        evaluation_text(&outcome.train)
    );
    if let (Some((name, set)), Some(evaluation)) = (&data.holdout, &outcome.holdout) {
        text += &format!(
            "{name} ({}): {}\n{}",
            plural(set.len() as u64, "sample"),
            evaluation_text(evaluation),
            evaluation_details(evaluation)
        );
    }
    for log in written {
        let (path, what) = (log.path.display(), log.kind.description());
        text += &match log.parts.as_slice() {
            [] => format!("wrote {path} ({what}, {})\n", plural(log.rows, "row")),
            parts => {
                let parts: Vec<String> = parts
                    .iter()
                    .map(|(kind, rows)| format!("{} {}", kind.description(), plural(*rows, "row")))
                    .collect();
                format!("wrote {path} ({what}: {})\n", parts.join(", "))
            }
        };
    }
    if let Some(path) = &args.save {
        text += &format!("wrote {} (model)\n", path.display());
    }
    if let (Some(path), true) = (&args.checkpoint, outcome.checkpoints > 0) {
        text += &format!("wrote {} (checkpoint)\n", path.display());
    }
    print_stdout(&text)
}

/// What `--workbook`'s `run` sheet shows: the network, the model file's `provenance` (the
/// command line, the data, the settings, the final metrics) and the training time.
fn run_description(outcome: &Outcome, provenance: &Provenance, seconds: f64) -> serde_json::Value {
    let network = &outcome.network;
    let sizes: Vec<String> = network.sizes().iter().map(usize::to_string).collect();
    let activations: Vec<&str> =
        network.layers().iter().map(|dense| dense.activation().name()).collect();
    serde_json::json!({
        "network": {
            "sizes": sizes.join("-"),
            "activations": activations.join(", "),
            "loss": network.loss().name(),
            "parameters": network.n_parameters(),
        },
        "mlp_version": &provenance.mlp_version,
        "command_line": provenance.command_line.join(" "),
        "data": &provenance.data,
        "settings": &provenance.settings,
        "metrics": &provenance.metrics,
        "training_seconds": seconds,
    })
}

/// How the model was made, for its file: the command line as `std::env::args_os()` gives it
/// (lossy where an argument is not Unicode), the settings, the final metrics and the data
/// files' SHA-256.
fn provenance(
    args: &TrainArgs,
    config: &TrainConfig,
    data: &Data,
    outcome: &Outcome,
) -> anyhow::Result<Provenance> {
    let hash = |path: &Path| {
        DataFile::hash(path)
            .with_context(|| format!("{}: cannot read the data to hash it", path.display()))
    };
    let holdout = |which: &str| {
        let evaluated = data.holdout.as_ref().zip(outcome.holdout.as_ref());
        evaluated
            .filter(|((name, _), _)| *name == which)
            .map(|((_, set), evaluation)| EvaluationRecord::new(evaluation, set.len()))
    };
    let task = data.preprocessor.task().name();
    Ok(Provenance {
        mlp_version: env!("CARGO_PKG_VERSION").to_owned(),
        command_line: std::env::args_os().map(|arg| arg.to_string_lossy().into_owned()).collect(),
        data: hash(&args.data)?,
        settings: Settings {
            task: task.to_owned(),
            optimizer: config.optimizer,
            learning_rate: config.learning_rate,
            l2: config.l2,
            batch_size: config.batch_size,
            epochs_requested: config.epochs,
            epochs_run: outcome.epochs_run,
            best_epoch: outcome.best_epoch,
            stopped_early: outcome.stopped_early,
            patience: config.patience,
            seed: config.seed,
            precision: match args.precision {
                PrecisionArg::F64 => "f64",
                PrecisionArg::F32 => "f32",
            }
            .to_owned(),
            validation_fraction: args.test.is_none().then_some(args.validation),
            test_data: args.test.as_deref().map(hash).transpose()?,
            standardize: data.preprocessor.standardizer().is_some(),
            lr_schedule: config.schedule.to_string(),
            warmup: config.warmup,
            shuffle: config.shuffle,
            decay_biases: config.decay_biases,
            freeze: config.freeze.clone(),
        },
        metrics: FinalMetrics {
            train: EvaluationRecord::new(&outcome.train, data.train.len()),
            validation: holdout("validation"),
            test: holdout("test"),
        },
    })
}
