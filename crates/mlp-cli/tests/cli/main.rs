//! End-to-end tests of the `mlp` binary: each spawns the real executable.

// Helpers: running `mlp`, dataset paths, checking failures.
mod util;

// The tutorial's step reproduced by `mlp train --grad-log`, and `mlp explain` on it.
mod seed;
// Defaults on iris; train, save, evaluate and predict round trip; precision and logs.
mod train;
// Bad input: every error names the file (and line and column) and nothing panics.
mod bad_input;
// docs/tutorial.md against the output of `mlp explain --format markdown`.
mod tutorial_doc;
// Help that teaches: the help's examples run as shown; completions and manual pages generate.
mod help;
// Provenance in the saved model, `mlp info`, and `mlp explain` on trained models and as JSON.
mod model_info;
// What a person sees: progress lines, --quiet and --verbose, warnings, the files written,
// significant digits, predict --json.
mod console;
// The one JSON schema: summaries start with command and warnings; predict's JSON Lines.
mod json_schema;
// Issue #9's real-world CSVs end to end: task, missing values, categories, index columns,
// delimiters and decimal commas, .gz and stdin, a saved categorical model on reordered columns.
mod real_data;
// Issue #10: how a run ends: signals, SIGKILL, write errors, divergence, and failures before
// training that leave every file as it was.
mod reliability_stop;
// Issue #10's numbers: numeric flags, sizes and memory limits, forward passes that overflow,
// features too large to standardize.
mod reliability_numbers;
// Issue #10's CSV edges: 300,000 columns in linear time, long names cut, --max-record-size,
// lines of spaces skipped, NUL bytes refused.
mod reliability_columns;
// Issue #10's outputs: clashes by any spelling, devices, FIFOs, links, modes, read-only places,
// and predict written a chunk at a time with the bytes of the whole file at once.
mod reliability_outputs;
// Issue #10's red-team findings: a stderr on a full disk, an interrupted predict, a fast double
// Ctrl-C, counts of 0, messages said once.
mod reliability_matrix;
// Issue #11's tiny networks: long runs of one-sample epochs, their count, history and progress.
mod performance_tiny;
// Issue #11's training on several threads: the same weights for every --threads, and 0 refused.
mod performance_threads;
// Issue #11's loading: errors deep in files of many read chunks keep their line and column;
// quotes, CRLF and blank lines past the first chunks change nothing.
mod performance_loading;
// Issue #12's explain as a library: mlp_train::explain gives the command's bytes in every
// format; a saturated sigmoid under cross-entropy explained and logged without inf or NaN.
mod library_explain;
// Issue #12's events: an f32 run's logs in f32 texts, and the steps --grad-log-every logs.
mod library_events;
// Issue #12's library: a model built in code used by the binary; I/O reasons said once.
mod library_model;
// Issue #12's training flags: --freeze (Mazur's frozen-bias example), --no-bias with --init,
// and the summary's loss_after and epoch_mean_loss.
mod library_training;
// Issue #13's gradient check and safetensors export/import, with PyTorch loading the export.
mod interop;
// Issue #13's `mlp draw`: the tutorial's network with its weights and the sample's gradients
// as explain prints them, PNG and SVG, a big network shaded without labels, errors.
mod draw;
// Issue #13's mlp plot: PNG and SVG charts of the logs, errors, and the vanishing-gradient
// demonstration script with the effect it shows.
mod plot;
// Issue #14's optimizer options: Adam's betas and epsilon, AdamW, RMSprop, --decay-biases.
mod optimizer_options;
// Issue #14's schedules against PyTorch, --no-shuffle and full-batch runs that do not depend
// on --seed, --epochs 0.
mod schedules;
// Issue #14's checkpoints: --checkpoint then --resume give the uninterrupted run's layers and logs,
// a SIGINT's checkpoint too; other data, corrupt files and changed settings refused.
mod checkpoint;
// Issue #13's health warnings: vanishing and exploding gradients, saturated and dead units, on
// stderr and in the JSON summary; their thresholds as flags.
mod health_warnings;
// Issue #15: --grad-log FILE.xlsx, the gradient log as a workbook, read back cell for cell.
mod xlsx;
// Issue #15: --workbook FILE.xlsx, the three logs with the settings and charts in one workbook.
mod workbook;
