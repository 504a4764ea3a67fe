//! The command line: clap derive structs for `mlp` and its subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mlp_train::data::{ImputeStrategy, MissingPolicy, Task, UnknownCategory};
use mlp_train::{ParseScheduleError, Schedule, TrainConfig, TrainError};

use crate::help;

/// Train, evaluate, predict and explain multilayer perceptrons, showing the work.
#[derive(Debug, Parser)]
#[command(name = "mlp", version, max_term_width = 100)]
#[command(after_help = help::styled(help::GETTING_STARTED))]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,

    /// Print errors only: no progress, no warnings, no text summary (--json output and
    /// predictions are still written).
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print one progress line per epoch, never throttled, instead of a progress bar.
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a network on a CSV file and optionally save it.
    #[command(after_help = help::styled(help::TRAIN))]
    Train(Box<TrainArgs>),
    /// Report the loss and metrics of a saved model on a CSV file.
    #[command(after_help = help::styled(help::EVALUATE))]
    Evaluate(EvaluateArgs),
    /// Write the predictions of a saved model for every row of a CSV file.
    #[command(after_help = help::styled(help::PREDICT))]
    Predict(PredictArgs),
    /// Show one training step of a saved model on one sample, number by number.
    #[command(after_help = help::styled(help::EXPLAIN))]
    Explain(ExplainArgs),
    /// Show a saved model's layers, parameter counts, columns and how it was trained.
    #[command(after_help = help::styled(help::INFO))]
    Info(InfoArgs),
    /// Print a shell completion script to stdout.
    #[command(after_help = help::styled(help::COMPLETIONS))]
    Completions(CompletionsArgs),
    /// Print the manual page, or write one page per command to --dir.
    #[command(after_help = help::styled(help::MAN))]
    Man(ManArgs),
    /// Check backpropagation against finite differences for every parameter of a saved model.
    #[command(after_help = help::styled(help::GRADCHECK))]
    Gradcheck(GradcheckArgs),
    /// Write a saved model as a safetensors file that PyTorch and candle load.
    #[command(after_help = help::styled(help::EXPORT))]
    Export(ExportArgs),
    /// Read a safetensors file written by mlp export back into a model file.
    #[command(after_help = help::styled(help::IMPORT))]
    Import(ImportArgs),
    /// Draw a saved model's network as SVG or PNG, with one sample's gradients on its edges.
    #[command(after_help = help::styled(help::DRAW))]
    Draw(DrawArgs),
    /// Chart a training run's --history (loss, accuracy or R² per epoch) or --layer-log
    /// (gradient norm or update ratio per layer, log scale) as PNG or SVG.
    #[command(after_help = help::styled(help::PLOT))]
    Plot(PlotArgs),
}

/// The headings that group `mlp train --help`'s flags.
mod heading {
    pub(super) const DATA: &str = "Data";
    pub(super) const NETWORK: &str = "Network";
    pub(super) const OPTIMISATION: &str = "Optimisation";
    pub(super) const LOGGING: &str = "Logging";
    pub(super) const OUTPUT: &str = "Output";
    pub(super) const HEALTH: &str = "Health warnings";
}

/// How to read CSV files.
#[derive(Debug, Clone, Args)]
pub struct CsvArgs {
    /// The CSV files have no header row; columns are named 1, 2, 3, …
    #[arg(long)]
    pub no_header: bool,

    /// The field delimiter, one ASCII character (use '\t' for tabs) [default: detected from
    /// the header and the first rows among , ; tab |]
    #[arg(long, value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,

    /// Numbers are written with a decimal comma (1,5), as spreadsheets in many European
    /// locales export them, usually with ; between fields.
    #[arg(long)]
    pub decimal_comma: bool,

    /// The most bytes one row of a CSV file may have (K, M, G suffixes: 1024-based); a longer
    /// one is an error, so that a file that is not CSV is not read into memory whole.
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_byte_size)]
    pub max_record_size: u64,
}

/// The default of `--checkpoint-every`: see `docs/reliability.md`.
pub const DEFAULT_CHECKPOINT_EVERY: usize = 10;

/// `mlp train`.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// The training data: a CSV file (with --resume: the checkpoint's file by default).
    #[arg(value_name = "DATA.csv", required_unless_present = "resume")]
    #[arg(default_value = "", hide_default_value = true, value_parser = data_path)]
    pub data: PathBuf,

    /// Target column name(s), comma-separated; the other columns are features.
    #[arg(long, required_unless_present = "resume", value_delimiter = ',', value_name = "COL")]
    #[arg(help_heading = heading::DATA)]
    pub target: Vec<String>,

    /// Feature column names, comma-separated [default: every column that is not a target]
    #[arg(long, value_delimiter = ',', value_name = "COL")]
    #[arg(help_heading = heading::DATA)]
    pub features: Option<Vec<String>>,

    /// What the targets are: auto reads a non-numeric target, or a few integer codes, as class
    /// labels, and says so.
    #[arg(long, value_enum, default_value_t = TaskArg::Auto)]
    #[arg(help_heading = heading::DATA)]
    pub task: TaskArg,

    /// Columns to leave out, comma-separated (beside --features).
    #[arg(long, value_delimiter = ',', value_name = "COL")]
    #[arg(help_heading = heading::DATA)]
    pub drop: Vec<String>,

    /// What to do with missing values: error names them; drop leaves out incomplete rows;
    /// mean, median and most-frequent fill features in with statistics of the training rows
    /// (categorical columns always with their most frequent category).
    #[arg(long, value_enum, default_value_t = MissingArg::Error)]
    #[arg(help_heading = heading::DATA)]
    pub missing: MissingArg,

    /// The texts that mean a missing value, comma-separated; an empty cell always does
    /// [default: NA,N/A,NaN,nan,null,?]
    #[arg(long, value_delimiter = ',', value_name = "TEXTS")]
    #[arg(help_heading = heading::DATA)]
    pub na_values: Option<Vec<String>>,

    /// Most categories a text column may have before it is an error (suggesting --drop).
    #[arg(long, default_value_t = mlp_train::data::DEFAULT_MAX_CATEGORIES, value_name = "N")]
    #[arg(help_heading = heading::DATA)]
    pub max_categories: usize,

    /// What a category the training rows did not have becomes in other files: an error, or all
    /// zeros (ignore). Saved in the model; evaluate and predict can override it.
    #[arg(long, value_enum, default_value_t = UnknownCategoryArg::Error)]
    #[arg(help_heading = heading::DATA)]
    pub unknown_category: UnknownCategoryArg,

    /// Standardize regression targets on the training rows (saved in the model; predictions
    /// and metrics are reported in the file's units, the loss in standardized units).
    #[arg(long)]
    #[arg(help_heading = heading::DATA)]
    pub standardize_target: bool,

    /// Hidden layer sizes, comma-separated; 0 for no hidden layer.
    #[arg(long, value_delimiter = ',', default_value = "100", value_name = "SIZES")]
    #[arg(help_heading = heading::NETWORK)]
    pub hidden: Vec<usize>,

    /// Refuse networks whose parameters, optimizer state and batch buffers need more than this
    /// many bytes (512M, 4G) [default: the memory the system reports available]
    #[arg(long, value_parser = parse_byte_size, value_name = "SIZE")]
    #[arg(help_heading = heading::NETWORK)]
    pub max_memory: Option<u64>,

    /// Activation of the hidden layers.
    #[arg(long, value_enum, default_value_t = ActivationArg::Relu)]
    #[arg(help_heading = heading::NETWORK)]
    pub activation: ActivationArg,

    /// Activation of the output layer: auto is softmax for classes, identity for numbers.
    #[arg(long, value_enum, default_value_t = OutputActivationArg::Auto)]
    #[arg(help_heading = heading::NETWORK)]
    pub output_activation: OutputActivationArg,

    /// Loss: auto is cross-entropy for classes and mse for numbers (the model's with --init);
    /// sse is the tutorial's Σ ½ (t − o)².
    #[arg(long, value_enum, default_value_t = LossArg::Auto)]
    #[arg(help_heading = heading::NETWORK)]
    pub loss: LossArg,

    /// The update rule.
    #[arg(long, value_enum, default_value_t = OptimizerArg::Adam)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub optimizer: OptimizerArg,

    /// Learning rate η (> 0).
    #[arg(long, default_value_t = 0.001, value_name = "F", allow_hyphen_values = true)]
    #[arg(value_parser = parse_learning_rate)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub learning_rate: f64,

    /// Momentum μ for --optimizer momentum and nesterov, in [0, 1).
    #[arg(long, default_value_t = 0.9, value_name = "F", allow_hyphen_values = true)]
    #[arg(value_parser = parse_momentum)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub momentum: f64,

    /// L2 weight decay λ (added as λ·w to each weight's gradient; 0 as in Keras, so that the
    /// tutorial's numbers come out exactly).
    #[arg(long, default_value_t = 0.0, value_name = "F", allow_hyphen_values = true)]
    #[arg(value_parser = parse_l2)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub l2: f64,

    /// Apply --l2 (and adamw's --weight-decay) to the biases too, as PyTorch's weight_decay
    /// does for every parameter (default: weights only, as scikit-learn and Keras).
    #[arg(long)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub decay_biases: bool,

    /// β₁ of --optimizer adam and adamw (decay of the mean gradient m), in [0, 1).
    #[arg(long, default_value_t = 0.9, value_name = "F", allow_hyphen_values = true)]
    #[arg(value_parser = parse_unit)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub beta1: f64,

    /// β₂ of --optimizer adam and adamw (decay of the mean squared gradient s), in [0, 1).
    #[arg(long, default_value_t = 0.999, value_name = "F", allow_hyphen_values = true)]
    #[arg(value_parser = parse_unit)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub beta2: f64,

    /// ε of --optimizer adam, adamw and rmsprop (added to √s), above 0.
    #[arg(long, default_value_t = 1e-8, value_name = "F", allow_hyphen_values = true)]
    #[arg(value_parser = parse_positive)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub epsilon: f64,

    /// Decoupled weight decay λ of --optimizer adamw (w ← w − η λ w before each step, as
    /// torch.optim.AdamW's weight_decay), 0 or more.
    #[arg(long, default_value_t = 0.01, value_name = "F", allow_hyphen_values = true)]
    #[arg(value_parser = parse_l2)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub weight_decay: f64,

    /// Smoothing constant α of --optimizer rmsprop (s ← α s + (1 − α) g²; torch's alpha,
    /// Keras' rho; not scikit-learn's alpha, which is --l2), in [0, 1).
    #[arg(long, default_value_t = 0.99, value_name = "F", allow_hyphen_values = true)]
    #[arg(value_parser = parse_unit)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub rmsprop_alpha: f64,

    /// Passes over the training data; 0 evaluates and saves the starting model (--init's, or
    /// the initializer's) without a step.
    #[arg(long, default_value_t = 200, value_name = "N", value_parser = whole_number)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub epochs: usize,

    /// How the learning rate changes from epoch to epoch, as PyTorch's schedulers stepped once
    /// an epoch: constant; step:EVERY:GAMMA (× GAMMA every EVERY epochs, StepLR);
    /// exponential:GAMMA (× GAMMA every epoch, ExponentialLR); cosine:T_MAX (half a cosine from
    /// the rate down to 0 at epoch T_MAX + 1, then back up, CosineAnnealingLR);
    /// plateau:PATIENCE:FACTOR (× FACTOR once the validation loss, or the training loss without
    /// validation, has not improved by 0.01% for more than PATIENCE epochs, ReduceLROnPlateau).
    /// The rate of each epoch is in --history's learning_rate column.
    #[arg(long, default_value_t = Schedule::Constant, value_name = "SPEC")]
    #[arg(value_parser = parse_schedule)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub lr_schedule: Schedule,

    /// Linear warm-up over N epochs: epoch e ≤ N runs at e/N of the scheduled rate (PyTorch's
    /// LinearLR with start_factor 1/N, chained with the schedule) [default: none]
    #[arg(long, default_value_t = 0, value_name = "N", value_parser = whole_number)]
    #[arg(allow_hyphen_values = true, help_heading = heading::OPTIMISATION)]
    pub warmup: usize,

    /// Take the batches in file order, the same every epoch (scikit-learn's shuffle=False)
    /// [default: a fresh shuffle each epoch, drawn from --seed]
    #[arg(long)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub no_shuffle: bool,

    /// Samples per optimizer step.
    #[arg(long, default_value_t = 32, value_name = "N", value_parser = at_least_one)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub batch_size: usize,

    /// Threads for training [default: every core]. The trained weights are the same for every
    /// count: a batch of 64 or more samples is split into chunks that depend on its size only,
    /// summed in a fixed order.
    #[arg(long, value_name = "N", value_parser = at_least_one, allow_hyphen_values = true)]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub threads: Option<usize>,

    /// Seed for the initial weights, the validation split and the shuffling.
    #[arg(long, default_value_t = 42, value_name = "N")]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub seed: u64,

    /// Floating-point precision of the training computations (the model file is always f64).
    #[arg(long, value_enum, default_value_t = PrecisionArg::F64)]
    #[arg(help_heading = heading::NETWORK)]
    pub precision: PrecisionArg,

    /// Share of the rows held out for validation (stratified by class); 0 trains on every row.
    #[arg(long, default_value_t = 0.2, value_name = "FRACTION", conflicts_with = "test")]
    #[arg(allow_hyphen_values = true, value_parser = parse_validation)]
    #[arg(help_heading = heading::DATA)]
    pub validation: f64,

    /// Validate on this CSV file instead of holding out rows.
    #[arg(long, value_name = "TEST.csv")]
    #[arg(help_heading = heading::DATA)]
    pub test: Option<PathBuf>,

    /// Keep these parameters fixed, comma-separated: biases, weights. Their gradients are still
    /// computed and logged (weight_new equals weight) [default: train every parameter]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub freeze: Vec<FreezeArg>,

    /// Stop when the validation loss has not improved for N epochs, keeping the best weights
    /// [default: never stop early]
    #[arg(long, value_name = "N")]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub patience: Option<usize>,

    /// Build layers without biases (as the tutorial's network).
    #[arg(long)]
    #[arg(help_heading = heading::NETWORK)]
    pub no_bias: bool,

    /// Do not standardize the features (by default: zero mean, unit variance on the training
    /// rows).
    #[arg(long)]
    #[arg(help_heading = heading::DATA)]
    pub no_standardize: bool,

    /// Start from this model file; its layers and activations win over --hidden and the
    /// activation flags.
    #[arg(long, value_name = "MODEL.json")]
    #[arg(help_heading = heading::NETWORK)]
    pub init: Option<PathBuf>,

    /// Save the trained model to this file (written atomically); - is stdout.
    #[arg(long, value_name = "MODEL.json", value_parser = output_path)]
    #[arg(help_heading = heading::OUTPUT)]
    pub save: Option<PathBuf>,

    /// Write every partial derivative of every logged step to this CSV file; - is stdout. A
    /// name ending in .xlsx writes an Excel workbook instead: the same columns as numbers, the
    /// header frozen, the filter on, sheets "gradients", "gradients 2", … of 1048575 rows each
    /// (written when training ends, after Ctrl-C too; a killed run leaves the old file).
    #[arg(long, value_name = "FILE.csv|FILE.xlsx", value_parser = output_path)]
    #[arg(help_heading = heading::LOGGING)]
    pub grad_log: Option<PathBuf>,

    /// Log the gradients (and the layer summary) of steps 1, 1 + N, 1 + 2N, … only.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = at_least_one)]
    #[arg(help_heading = heading::LOGGING)]
    pub grad_log_every: usize,

    /// Log only these 1-based weight layers, comma-separated [default: all]
    #[arg(long, value_delimiter = ',', value_name = "LAYERS", value_parser = at_least_one)]
    #[arg(help_heading = heading::LOGGING)]
    pub grad_log_layers: Option<Vec<usize>>,

    /// Stop writing the gradient log after N rows [default: 1048575, one Excel worksheet, for
    /// a .csv log; 10485750, ten worksheets of 1048575 rows, for an .xlsx workbook].
    #[arg(long, value_name = "N")]
    #[arg(help_heading = heading::LOGGING)]
    pub grad_log_max_rows: Option<u64>,

    /// Write one row per weight layer and logged step (gradient norms, update ratios, dead or
    /// saturated units) to this CSV file; - is stdout.
    #[arg(long, value_name = "FILE.csv", value_parser = output_path)]
    #[arg(help_heading = heading::LOGGING)]
    pub layer_log: Option<PathBuf>,

    /// Write one row per epoch (loss and metrics) to this CSV file; - is stdout. Its loss, as
    /// the progress lines', is the epoch's mean over its samples, each taken before its
    /// batch's step.
    #[arg(long, value_name = "FILE.csv", value_parser = output_path)]
    #[arg(help_heading = heading::LOGGING)]
    pub history: Option<PathBuf>,

    /// Write the gradient log, the layer log and the history into one Excel workbook, with the
    /// run's settings (sheet "run") and charts (sheet "charts": loss and accuracy or R² per
    /// epoch, each layer's gradient norm per step on a log scale). --grad-log-every,
    /// --grad-log-layers and --grad-log-max-rows apply to its gradient sheets. Written when
    /// training ends, after Ctrl-C too; a killed run leaves the old file.
    #[arg(long, value_name = "FILE.xlsx", value_parser = workbook_path)]
    #[arg(help_heading = heading::LOGGING)]
    pub workbook: Option<PathBuf>,

    /// Warn of vanishing gradients when a hidden layer's gradient norm stays below this share of
    /// the output layer's for --warn-epochs epochs in a row, in (0, 1].
    #[arg(long, default_value_t = 1e-3, value_name = "RATIO", value_parser = parse_vanishing)]
    #[arg(allow_hyphen_values = true)]
    #[arg(help_heading = heading::HEALTH)]
    pub warn_vanishing: f64,

    /// Warn of exploding gradients when a layer's gradient norm goes above this (> 0; inf: never).
    #[arg(long, default_value_t = 1e3, value_name = "NORM", value_parser = parse_exploding)]
    #[arg(allow_hyphen_values = true)]
    #[arg(help_heading = heading::HEALTH)]
    pub warn_exploding: f64,

    /// Warn of exploding gradients when a layer's gradient norm grows this many times from one
    /// epoch to the next, to above --warn-exploding / FACTOR (> 1; inf: never).
    #[arg(long, default_value_t = 100.0, value_name = "FACTOR", value_parser = parse_growth)]
    #[arg(allow_hyphen_values = true)]
    #[arg(help_heading = heading::HEALTH)]
    pub warn_growth: f64,

    /// Warn when more than this share of a sigmoid or tanh hidden layer's activations are
    /// within 0.01 of a bound for --warn-epochs epochs in a row, in [0, 1] (1: never).
    #[arg(long, default_value_t = 0.9, value_name = "FRACTION", value_parser = parse_fraction)]
    #[arg(allow_hyphen_values = true)]
    #[arg(help_heading = heading::HEALTH)]
    pub warn_saturated: f64,

    /// Warn when more than this share of a ReLU hidden layer's units are dead (z ≤ 0 for a
    /// whole batch, --warn-epochs epochs in a row), in [0, 1] (1: never).
    #[arg(long, default_value_t = 0.5, value_name = "FRACTION", value_parser = parse_fraction)]
    #[arg(allow_hyphen_values = true)]
    #[arg(help_heading = heading::HEALTH)]
    pub warn_dead: f64,

    /// Epochs in a row a vanishing gradient, a saturated layer or a dead unit must be seen
    /// before it is reported.
    #[arg(long, default_value_t = 5, value_name = "N", value_parser = at_least_one)]
    #[arg(help_heading = heading::HEALTH)]
    pub warn_epochs: usize,

    /// Do not check the gradients and units for the warnings above.
    #[arg(long)]
    #[arg(help_heading = heading::HEALTH)]
    pub no_health_warnings: bool,

    /// Print the final metrics as one JSON object on stdout.
    #[arg(long)]
    #[arg(help_heading = heading::OUTPUT)]
    pub json: bool,

    /// Continue the run of this checkpoint (--checkpoint) bit for bit: its data, columns and
    /// settings; --epochs is the whole run's total. Only output, log and thread flags may be
    /// given with it.
    #[arg(long, value_name = "CHECKPOINT.json")]
    #[arg(help_heading = heading::OPTIMISATION)]
    pub resume: Option<PathBuf>,

    /// Write a checkpoint (the model and everything --resume needs to continue exactly) to this
    /// file, atomically: every --checkpoint-every epochs, at the end of the run, and when a
    /// signal stops it.
    #[arg(long, value_name = "FILE.json")]
    #[arg(help_heading = heading::OUTPUT)]
    pub checkpoint: Option<PathBuf>,

    /// Epochs between two checkpoints (also written at the end and at a signal's stop). A
    /// checkpoint is the model plus the optimizer state, written and synced to disk: one per
    /// epoch doubled the wall time of 100 short digits epochs, one per 10 cost 2% CPU.
    #[arg(long, default_value_t = DEFAULT_CHECKPOINT_EVERY, value_name = "N")]
    #[arg(value_parser = at_least_one, help_heading = heading::OUTPUT)]
    pub checkpoint_every: usize,

    /// With --resume: append to the earlier run's --history, --grad-log and --layer-log files
    /// (the rows after the checkpoint dropped) instead of writing new ones.
    #[arg(long, requires = "resume")]
    #[arg(help_heading = heading::OUTPUT)]
    pub append_logs: bool,

    /// CSV reading options.
    #[command(flatten, next_help_heading = heading::DATA)]
    pub csv: CsvArgs,
}

impl TrainArgs {
    /// `mlp train` with every flag at its default, to tell which flags a run changed.
    pub fn defaults() -> TrainArgs {
        let cli = Cli::try_parse_from(["mlp", "train", "DATA.csv", "--target", "y"])
            .expect("the defaults parse");
        match cli.command {
            Command::Train(args) => *args,
            _ => unreachable!("a train command line parses as train"),
        }
    }
}

impl OptimizerArg {
    /// The name the command line takes: `sgd`, `momentum`, `nesterov`, `adam`, `adamw`,
    /// `rmsprop`.
    pub fn name(self) -> String {
        self.to_possible_value().expect("every optimizer has a name").get_name().to_owned()
    }
}

/// `mlp evaluate`.
#[derive(Debug, Clone, Args)]
pub struct EvaluateArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,

    /// The data: a CSV file with the model's feature and target columns.
    #[arg(value_name = "DATA.csv")]
    pub data: PathBuf,

    /// Print the metrics as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,

    /// What a category the training rows did not have becomes, instead of what the model
    /// file says: an error, or all zeros (ignore).
    #[arg(long, value_enum, value_name = "POLICY")]
    pub unknown_category: Option<UnknownCategoryArg>,

    /// Refuse a model whose batch buffers would need more than this many bytes (512M, 4G)
    /// [default: the memory the system reports available]
    #[arg(long, value_parser = parse_byte_size, value_name = "SIZE")]
    pub max_memory: Option<u64>,

    /// CSV reading options.
    #[command(flatten)]
    pub csv: CsvArgs,
}

/// `mlp predict`.
#[derive(Debug, Clone, Args)]
pub struct PredictArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,

    /// The data: a CSV file with the model's feature columns (targets may be absent).
    #[arg(value_name = "DATA.csv")]
    pub data: PathBuf,

    /// Write the predictions to this file, replaced only once every row is written (a
    /// device or a FIFO is written directly); - is stdout [default: stdout]
    #[arg(long, value_name = "PREDICTIONS.csv")]
    pub output: Option<PathBuf>,

    /// Write JSON Lines instead of CSV: one object per row, keyed by the CSV column names.
    #[arg(long)]
    pub json: bool,

    /// Copy these input columns into the output, after the row number (an id, a name),
    /// comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "COL")]
    pub keep: Vec<String>,

    /// What a category the training rows did not have becomes, instead of what the model
    /// file says: an error, or all zeros (ignore).
    #[arg(long, value_enum, value_name = "POLICY")]
    pub unknown_category: Option<UnknownCategoryArg>,

    /// Refuse a model whose batch buffers would need more than this many bytes (512M, 4G)
    /// [default: the memory the system reports available]
    #[arg(long, value_parser = parse_byte_size, value_name = "SIZE")]
    pub max_memory: Option<u64>,

    /// CSV reading options.
    #[command(flatten)]
    pub csv: CsvArgs,
}

/// `mlp explain`.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,

    /// The data: a CSV file with the model's feature and target columns.
    #[arg(value_name = "DATA.csv")]
    pub data: PathBuf,

    /// The 1-based data row to explain.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub sample: usize,

    /// The one parameter to derive, W5 or b2 [default: every parameter, with a table]
    #[arg(long, value_name = "W5")]
    pub weight: Option<String>,

    /// Learning rate η of the step shown [default: the one the model was trained with, or the
    /// tutorial's 0.5 for a model file that does not record it]
    #[arg(long, value_name = "F", allow_hyphen_values = true)]
    #[arg(value_parser = parse_learning_rate)]
    pub learning_rate: Option<f64>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,

    /// Refuse a model whose batch buffers would need more than this many bytes (512M, 4G)
    /// [default: the memory the system reports available]
    #[arg(long, value_parser = parse_byte_size, value_name = "SIZE")]
    pub max_memory: Option<u64>,

    /// CSV reading options.
    #[command(flatten)]
    pub csv: CsvArgs,
}

/// `mlp completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `mlp man`.
#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// Write one page per command (mlp.1, mlp-train.1, …) to this folder instead of printing
    /// mlp.1 to stdout.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `mlp info`.
#[derive(Debug, Clone, Args)]
pub struct InfoArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,

    /// Print the summary as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `mlp gradcheck`.
#[derive(Debug, Clone, Args)]
pub struct GradcheckArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,

    /// The data: a CSV file with the model's feature and target columns.
    #[arg(value_name = "DATA.csv")]
    pub data: PathBuf,

    /// Check the gradient of the mean loss over the first N data rows (all rows when the file
    /// has fewer).
    #[arg(long, default_value_t = 3, value_parser = at_least_one, value_name = "N")]
    pub samples: usize,

    /// Fail (exit 1) when any parameter's relative error |backprop − numeric| / max(|backprop|,
    /// |numeric|, 1e-3 · max(1, |E|)) is above this.
    #[arg(long, default_value_t = 1e-6, value_parser = parse_tolerance, value_name = "T")]
    pub tolerance: f64,

    /// Print the result as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,

    /// What a category the training rows did not have becomes, instead of what the model
    /// file says: an error, or all zeros (ignore).
    #[arg(long, value_enum, value_name = "POLICY")]
    pub unknown_category: Option<UnknownCategoryArg>,

    /// CSV reading options.
    #[command(flatten)]
    pub csv: CsvArgs,
}

/// `mlp export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,

    /// The file format: safetensors (tensors layers.{i}.weight [out, in] and layers.{i}.bias
    /// in F64, everything else in the metadata).
    #[arg(long, value_enum, default_value_t = ExportFormatArg::Safetensors)]
    pub format: ExportFormatArg,

    /// The file to write, replaced only once it is whole.
    #[arg(value_name = "OUT.safetensors")]
    pub output: PathBuf,
}

/// `export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    /// A safetensors file (PyTorch's safetensors.torch.load_file, candle).
    Safetensors,
}

/// `mlp import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The safetensors file, written by mlp export.
    #[arg(value_name = "IN.safetensors")]
    pub input: PathBuf,

    /// Write the model file here (as mlp train --save does), replaced only once it is whole.
    #[arg(long, value_name = "MODEL.json")]
    pub save: PathBuf,
}

/// `--task`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TaskArg {
    /// Classes when the target is not numeric, or holds integers with at most 20 distinct
    /// values and at least 5 rows per value on average; regression otherwise.
    Auto,
    /// The target column holds class labels, even integer codes.
    Classification,
    /// Every target is a number.
    Regression,
}

/// `--missing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MissingArg {
    /// An error that counts the missing cells per column and names their lines.
    Error,
    /// Leave out every row with a missing value (counted in a warning).
    Drop,
    /// Fill numeric features with the mean of the training rows.
    Mean,
    /// Fill numeric features with the median of the training rows.
    Median,
    /// Fill features with their most frequent value in the training rows.
    MostFrequent,
}

impl From<MissingArg> for MissingPolicy {
    fn from(arg: MissingArg) -> Self {
        match arg {
            MissingArg::Error => MissingPolicy::Error,
            MissingArg::Drop => MissingPolicy::Drop,
            MissingArg::Mean => MissingPolicy::Impute(ImputeStrategy::Mean),
            MissingArg::Median => MissingPolicy::Impute(ImputeStrategy::Median),
            MissingArg::MostFrequent => MissingPolicy::Impute(ImputeStrategy::MostFrequent),
        }
    }
}

/// `--unknown-category`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnknownCategoryArg {
    /// An error naming the file, line, column and the known categories.
    Error,
    /// All zeros: no category's input is 1.
    Ignore,
}

impl From<UnknownCategoryArg> for UnknownCategory {
    fn from(arg: UnknownCategoryArg) -> Self {
        match arg {
            UnknownCategoryArg::Error => UnknownCategory::Error,
            UnknownCategoryArg::Ignore => UnknownCategory::Ignore,
        }
    }
}

impl From<TaskArg> for Task {
    fn from(arg: TaskArg) -> Self {
        match arg {
            TaskArg::Auto => Task::Auto,
            TaskArg::Classification => Task::Classification,
            TaskArg::Regression => Task::Regression,
        }
    }
}

/// `--activation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActivationArg {
    /// 1 / (1 + e^(−z)).
    Sigmoid,
    /// tanh z.
    Tanh,
    /// max(0, z).
    Relu,
    /// z for z > 0, 0.01 z otherwise.
    LeakyRelu,
    /// z.
    Identity,
}

/// `--output-activation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputActivationArg {
    /// Softmax for classes, identity for numbers.
    Auto,
    /// 1 / (1 + e^(−z)) per output.
    Sigmoid,
    /// Probabilities over the classes.
    Softmax,
    /// z.
    Identity,
}

/// `--loss`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LossArg {
    /// Cross-entropy for classes, mse for numbers; the model's loss with --init.
    Auto,
    /// Σ ½ (t − o)², the tutorial's.
    Sse,
    /// Mean over outputs of (t − o)².
    Mse,
    /// −Σ t ln o.
    CrossEntropy,
}

/// `--optimizer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OptimizerArg {
    /// w ← w − η g.
    Sgd,
    /// Heavy-ball momentum.
    Momentum,
    /// Nesterov momentum.
    Nesterov,
    /// Adam.
    Adam,
    /// Adam with decoupled weight decay (--weight-decay), as torch.optim.AdamW.
    #[value(name = "adamw")]
    AdamW,
    /// RMSprop, as torch.optim.RMSprop.
    #[value(name = "rmsprop")]
    RmsProp,
}

/// `--freeze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FreezeArg {
    /// Every layer's biases.
    Biases,
    /// Every layer's weights.
    Weights,
}

/// `--precision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    /// 64-bit floats.
    F64,
    /// 32-bit floats.
    F32,
}

/// `explain --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Plain text for a terminal.
    Text,
    /// Markdown with formulas.
    Markdown,
    /// One JSON object: every formula, note and factor, numbers unrounded.
    Json,
}

fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "\\t" | "tab" => Ok(b'\t'),
        _ => match text.as_bytes() {
            [byte] if byte.is_ascii() => Ok(*byte),
            _ => Err(format!("expected one ASCII character, found {text:?}")),
        },
    }
}

/// A finite number, for a flag whose value must be one: NaN and infinities are refused.
fn parse_finite(text: &str) -> Result<f64, String> {
    let value: f64 =
        text.trim().parse().map_err(|_| format!("expected a number, found {text:?}"))?;
    if !value.is_finite() {
        return Err(format!("expected a finite number, found {text}"));
    }
    Ok(value)
}

/// `--learning-rate`: a finite number above 0.
fn parse_learning_rate(text: &str) -> Result<f64, String> {
    let value = parse_finite(text)?;
    if value <= 0.0 {
        return Err(format!("the learning rate must be above 0, found {text}"));
    }
    Ok(value)
}

/// `--momentum`: in [0, 1); 1 or more never lets the steps decay.
fn parse_momentum(text: &str) -> Result<f64, String> {
    let value = parse_finite(text)?;
    if !(0.0..1.0).contains(&value) {
        return Err(format!("the momentum must be in [0, 1), found {text}"));
    }
    Ok(value)
}

/// `--beta1`, `--beta2`, `--rmsprop-alpha`: in [0, 1).
fn parse_unit(text: &str) -> Result<f64, String> {
    let value = parse_finite(text)?;
    if !(0.0..1.0).contains(&value) {
        return Err(format!("must be in [0, 1), found {text}"));
    }
    Ok(value)
}

/// `--epsilon`: a finite number above 0.
fn parse_positive(text: &str) -> Result<f64, String> {
    let value = parse_finite(text)?;
    if value <= 0.0 {
        return Err(format!("must be above 0, found {text}"));
    }
    Ok(value)
}

/// `--l2`, `--weight-decay`: a finite number, 0 or more.
fn parse_l2(text: &str) -> Result<f64, String> {
    let value = parse_finite(text)?;
    if value < 0.0 {
        return Err(format!("the L2 weight decay must be 0 or more, found {text}"));
    }
    Ok(value)
}

/// `gradcheck --tolerance`: a finite number above 0.
fn parse_tolerance(text: &str) -> Result<f64, String> {
    let value = parse_finite(text)?;
    if value <= 0.0 {
        return Err(format!("the tolerance must be above 0, found {text}"));
    }
    Ok(value)
}

/// `--validation`: the share of rows held out, in [0, 1).
fn parse_validation(text: &str) -> Result<f64, String> {
    let value = parse_finite(text)?;
    if !(0.0..1.0).contains(&value) {
        return Err(format!("the validation fraction must be in [0, 1), found {text}"));
    }
    Ok(value)
}

/// A number, `inf` allowed (a health threshold that never triggers); NaN is refused.
fn parse_number_or_inf(text: &str) -> Result<f64, String> {
    let value: f64 =
        text.trim().parse().map_err(|_| format!("expected a number, found {text:?}"))?;
    if value.is_nan() {
        return Err(format!("expected a number, found {text}"));
    }
    Ok(value)
}

/// `--warn-vanishing`: a share of the output layer's gradient norm, in (0, 1].
fn parse_vanishing(text: &str) -> Result<f64, String> {
    let value = parse_finite(text)?;
    if !(value > 0.0 && value <= 1.0) {
        return Err(format!("the ratio must be in (0, 1], found {text}"));
    }
    Ok(value)
}

/// `--warn-exploding`: a gradient norm above 0, or `inf`.
fn parse_exploding(text: &str) -> Result<f64, String> {
    let value = parse_number_or_inf(text)?;
    if value <= 0.0 {
        return Err(format!("the norm must be above 0, found {text}"));
    }
    Ok(value)
}

/// `--warn-growth`: a factor above 1, or `inf`.
fn parse_growth(text: &str) -> Result<f64, String> {
    let value = parse_number_or_inf(text)?;
    if value <= 1.0 {
        return Err(format!("the factor must be above 1, found {text}"));
    }
    Ok(value)
}

/// `--warn-saturated`, `--warn-dead`: a share of a layer, in [0, 1].
fn parse_fraction(text: &str) -> Result<f64, String> {
    let value = parse_finite(text)?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("the fraction must be in [0, 1], found {text}"));
    }
    Ok(value)
}

/// An output path: `-` is standard output, written through `/dev/stdout` (what it is for
/// `predict --output -` too).
/// The training data's path as given; empty (the default) only with `--resume`.
fn data_path(text: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(text))
}

fn output_path(text: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(if text == "-" { "/dev/stdout" } else { text }))
}

/// `--workbook`'s file: a name ending in `.xlsx` (a spreadsheet opens nothing else as a
/// workbook), not standard output (a workbook is a zip archive, written by seeking).
fn workbook_path(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    if text == "-" {
        return Err("a workbook cannot be written to standard output; give a file name ending \
                    in .xlsx"
            .to_owned());
    }
    if !path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("xlsx")) {
        return Err(format!("the workbook's name must end in .xlsx, found {text:?}"));
    }
    Ok(path)
}

/// A count that may be 0 (epochs, warm-up epochs).
fn whole_number(text: &str) -> Result<usize, String> {
    text.trim().parse::<usize>().map_err(|_| format!("expected a whole number, found {text:?}"))
}

/// A `--lr-schedule` spec ([`Schedule`]'s `FromStr`), its numbers in range
/// ([`TrainConfig::validate`]'s rules).
fn parse_schedule(text: &str) -> Result<Schedule, String> {
    let schedule: Schedule = text.parse().map_err(|err: ParseScheduleError| err.to_string())?;
    match (TrainConfig { schedule, ..TrainConfig::default() }).validate() {
        Err(TrainError::Config(err)) => Err(err.to_string()),
        Err(err) => Err(err.to_string()),
        Ok(()) => Ok(schedule),
    }
}

/// A count that must be at least 1 (epochs, batch size, a logging interval, a layer number):
/// 0 is a usage error naming the flag, as every other value out of its range is.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1, found 0".to_owned()),
        Ok(count) => Ok(count),
        Err(_) => Err(format!("expected a whole number of at least 1, found {text:?}")),
    }
}

/// A size in bytes: a whole number with an optional binary suffix, `K`, `M`, `G` or `T`
/// (`64M` is 64 × 1024² bytes; `KiB`, `MB` and lower case are read the same).
pub(crate) fn parse_byte_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let upper = trimmed.to_ascii_uppercase();
    let without_b = upper.strip_suffix("IB").or_else(|| upper.strip_suffix('B')).unwrap_or(&upper);
    let (digits, shift) = match without_b.as_bytes().last() {
        Some(b'K') => (&without_b[..without_b.len() - 1], 10),
        Some(b'M') => (&without_b[..without_b.len() - 1], 20),
        Some(b'G') => (&without_b[..without_b.len() - 1], 30),
        Some(b'T') => (&without_b[..without_b.len() - 1], 40),
        _ => (without_b, 0),
    };
    let expected = || format!("expected a size such as 512K, 64M or 2G, found {text:?}");
    let number: u64 = digits.trim().parse().map_err(|_| expected())?;
    number.checked_mul(1 << shift).ok_or_else(|| format!("{text:?} is too large"))
}

/// `mlp plot`: one chart per call, from one log, in the format the output's extension names.
#[derive(Debug, Clone, Args)]
#[command(group = clap::ArgGroup::new("log").required(true).args(["history", "layer_log"]))]
pub struct PlotArgs {
    /// A history written by mlp train --history: the loss per epoch (training, and
    /// validation when there is one), and below it the accuracy or R².
    #[arg(long, value_name = "HISTORY.csv")]
    pub history: Option<PathBuf>,

    /// A layer summary log written by mlp train --layer-log: --metric per layer over the
    /// steps, on a log scale, one line per layer.
    #[arg(long, value_name = "LAYERS.csv")]
    pub layer_log: Option<PathBuf>,

    /// What to chart from --layer-log [default: grad-norm]
    #[arg(long, value_enum, conflicts_with = "history")]
    pub metric: Option<PlotMetricArg>,

    /// The horizontal axis of a --layer-log chart: auto is step for at most 200 logged steps,
    /// epoch beyond (the geometric mean of each epoch's logged values) [default: auto]
    #[arg(long, value_enum, conflicts_with = "history")]
    pub x_axis: Option<PlotXArg>,

    /// The image to write: PNG or SVG, by its extension (.png, .svg).
    #[arg(long, short, value_name = "CHART.png|svg", value_parser = parse_image_path)]
    pub output: PathBuf,

    /// Width in pixels.
    #[arg(long, default_value_t = 800, value_parser = clap::value_parser!(u32).range(200..=8000))]
    pub width: u32,

    /// Height in pixels [default: 500 for one chart, 840 for a history's loss and accuracy]
    #[arg(long, value_parser = clap::value_parser!(u32).range(200..=8000))]
    pub height: Option<u32>,

    /// A title above the chart.
    #[arg(long)]
    pub title: Option<String>,
}

/// `mlp plot --metric`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlotMetricArg {
    /// The layer's gradient norm (column grad_norm).
    GradNorm,
    /// The step's update relative to the weights (column update_ratio).
    UpdateRatio,
}

/// `mlp plot --x-axis`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlotXArg {
    /// Step for at most 200 logged steps, else epoch.
    Auto,
    /// One point per logged step.
    Step,
    /// One point per epoch: the geometric mean of its logged values.
    Epoch,
}

/// An image path whose extension names its format: `.png` or `.svg`.
fn parse_image_path(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    match mlp_plot::chart::ImageFormat::from_path(&path) {
        Some(_) => Ok(path),
        None => Err(format!("expected a file name ending in .png or .svg, found {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    /// Every train flag sits under one of the headings (a new flag needs one too), in the
    /// order the help shows them; only help and the global flags stay under "Options".
    #[test]
    fn train_flags_are_grouped_under_headings() {
        let mut command = Cli::command();
        command.build();
        let train = command.find_subcommand("train").unwrap();
        let mut headings = Vec::new();
        for arg in train.get_arguments().filter(|arg| !arg.is_positional()) {
            match arg.get_help_heading() {
                Some(heading) => {
                    if !headings.contains(&heading) {
                        headings.push(heading);
                    }
                }
                None => assert!(
                    arg.get_id() == "help" || arg.is_global_set(),
                    "--{} has no heading",
                    arg.get_id()
                ),
            }
        }
        assert_eq!(
            headings,
            ["Data", "Network", "Optimisation", "Output", "Logging", "Health warnings"]
        );
        let heading_of = |id: &str| {
            let arg = train.get_arguments().find(|arg| arg.get_id() == id).unwrap();
            arg.get_help_heading()
        };
        assert_eq!(heading_of("delimiter"), Some("Data"));
        assert_eq!(heading_of("precision"), Some("Network"));
        assert_eq!(heading_of("patience"), Some("Optimisation"));
        assert_eq!(heading_of("grad_log_every"), Some("Logging"));
        assert_eq!(heading_of("json"), Some("Output"));
        // The other commands share the CSV flags without a heading.
        let evaluate = command.find_subcommand("evaluate").unwrap();
        assert!(evaluate.get_arguments().all(|arg| arg.get_help_heading().is_none()));
    }

    #[test]
    fn train_defaults_and_lists() {
        let cli =
            Cli::try_parse_from(["mlp", "train", "d.csv", "--target", "a,b", "--hidden", "8,4"])
                .unwrap();
        let Command::Train(args) = cli.command else { panic!("expected train") };
        assert_eq!(args.target, ["a", "b"]);
        assert_eq!(args.hidden, [8, 4]);
        assert_eq!(args.validation, 0.2);
        assert_eq!(args.csv.delimiter, None);
        assert_eq!(args.loss, LossArg::Auto);
    }

    #[test]
    fn validation_and_test_conflict() {
        let err = Cli::try_parse_from([
            "mlp",
            "train",
            "d.csv",
            "--target",
            "y",
            "--validation",
            "0.1",
            "--test",
            "t.csv",
        ])
        .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_byte_size("1024"), Ok(1024));
        assert_eq!(parse_byte_size("512K"), Ok(512 << 10));
        assert_eq!(parse_byte_size("64M"), Ok(64 << 20));
        assert_eq!(parse_byte_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_byte_size("2gb"), Ok(2 << 30));
        assert_eq!(parse_byte_size("3T"), Ok(3 << 40));
        assert!(parse_byte_size("").is_err());
        assert!(parse_byte_size("-1M").is_err());
        assert!(parse_byte_size("1.5G").is_err());
        assert!(parse_byte_size("99999999999T").unwrap_err().contains("too large"));
    }

    #[test]
    fn numeric_flags_take_finite_values_in_their_ranges() {
        assert_eq!(parse_learning_rate("0.5"), Ok(0.5));
        assert_eq!(parse_learning_rate("1e-300"), Ok(1e-300));
        assert!(parse_learning_rate("0").unwrap_err().contains("above 0"));
        assert!(parse_learning_rate("NaN").unwrap_err().contains("finite"));
        assert!(parse_learning_rate("x").unwrap_err().contains("expected a number"));
        assert_eq!(parse_momentum("0"), Ok(0.0));
        assert_eq!(parse_momentum("0.99"), Ok(0.99));
        assert!(parse_momentum("1").is_err() && parse_momentum("-0.1").is_err());
        assert_eq!(parse_l2("0"), Ok(0.0));
        assert!(parse_l2("-1e-9").is_err() && parse_l2("inf").is_err());
        assert_eq!(parse_validation("0"), Ok(0.0));
        assert!(parse_validation("1").is_err() && parse_validation("-0").is_ok());
        assert!(parse_finite("-inf").is_err() && parse_finite("1e999").is_err());
    }

    /// A negative value is read as the flag's value (and refused by its range), not as a flag.
    #[test]
    fn negative_values_are_values_not_flags() {
        let parse = |flag: &str, value: &str| {
            Cli::try_parse_from(["mlp", "train", "d.csv", "--target", "y", flag, value])
        };
        for flag in ["--validation", "--momentum", "--l2", "--learning-rate"] {
            let err = parse(flag, "-0.1").unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation, "{flag}");
            assert!(err.to_string().contains(flag), "{err}");
        }
        let err = parse("--l2", "-inf").unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation);
        let cli = parse("--max-memory", "2G").unwrap();
        let Command::Train(args) = cli.command else { panic!("expected train") };
        assert_eq!(args.max_memory, Some(2 << 30));
    }

    #[test]
    fn delimiters() {
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        assert_eq!(parse_delimiter("\\t"), Ok(b'\t'));
        assert!(parse_delimiter(";;").is_err());
    }
}

/// `mlp draw`.
#[derive(Debug, Clone, Args)]
pub struct DrawArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL.json")]
    pub model: PathBuf,

    /// Write the picture to this file: SVG or PNG by its extension (.svg, .png), replaced
    /// only once it is complete.
    #[arg(short = 'o', long, value_name = "PICTURE.svg|png")]
    pub output: PathBuf,

    /// A CSV file with the model's feature and target columns: each edge also shows the
    /// sample's ∂E/∂w (colour by sign, width by size), each neuron its z, a and ∂E/∂z.
    #[arg(long, value_name = "DATA.csv")]
    pub data: Option<PathBuf>,

    /// The 1-based data row of --data to show.
    #[arg(long, default_value_t = 1, value_name = "N", requires = "data")]
    pub sample: usize,

    /// Also show each parameter after the sample's gradient step, w⁺ = w − η·∂E/∂w (η as
    /// mlp explain takes it: --learning-rate, else the model's, else the tutorial's 0.5).
    #[arg(long, requires = "data")]
    pub step: bool,

    /// Learning rate η of the step shown by --step [default: the one the model was trained
    /// with, or the tutorial's 0.5 for a model file that does not record it]
    #[arg(long, value_name = "F", allow_hyphen_values = true, requires = "step")]
    #[arg(value_parser = parse_learning_rate)]
    pub learning_rate: Option<f64>,

    /// Refuse a model whose batch buffers would need more than this many bytes (512M, 4G)
    /// [default: the memory the system reports available]
    #[arg(long, value_parser = parse_byte_size, value_name = "SIZE")]
    pub max_memory: Option<u64>,

    /// CSV reading options.
    #[command(flatten)]
    pub csv: CsvArgs,
}
