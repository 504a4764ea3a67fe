//! The workspace's integration tests: one binary, one module per concern.

// Shared helpers: the tutorial's network and small matrix utilities.
mod util;

// Every number of the tutorial (docs/tutorial.md; tests/reference/tutorial.py), to 1e-8.
mod tutorial;

// Central finite differences against backpropagation for every activation × loss pair.
mod gradient_check;

// The crate boundaries of ARCHITECTURE.md: what each crate may depend on and do.
mod boundaries;

// Optimizer updates against independently computed numbers.
mod optimizers;

// Factors finite or absent, never inf/NaN: a saturated sigmoid under cross-entropy, and random
// networks whose split factors multiply to ∂E/∂z.
mod factors;

// Property tests: random networks' backpropagation against finite differences, and save → load
// bit for bit.
mod properties;

// The fuzz targets' checks (fuzz/src/lib.rs), compiled on stable for the replays below.
#[path = "../fuzz/src/lib.rs"]
mod fuzz_checks;

// The fuzz seeds and every fuzz finding, replayed through the targets' checks.
mod fuzz_regressions;

// The training loop: XOR, reproducibility, early stopping, divergence.
mod training;

// The trainer and the CSV gradient log together: the tutorial's rows, row counts, filters.
mod gradient_log;

// Batches summed in ascending sample order: a full-batch run is the same bits for every seed.
mod batch_order;

// Training on several threads: the same bits for every count, logs and errors from every chunk.
mod threads;

// Construction errors and seeded initialisation.
mod construction;

// mlp-core as an outside crate uses it, and its two cargo examples run and checked.
mod library_api;
// mlp-train and mlp-data as an outside crate uses them: typed errors, Model::from_network,
// predict_rows, preprocessor constructors, and the examples' own functions.
mod library_train_api;

// The data module end to end: penguins (NA cells, text columns) prepared and trained.
mod data;

// README.md's set-up and example commands: CI runs the test command, every mlp command parses.
mod readme;

// bench/compare, the comparison harness of BENCHMARKS.md: its self-test and command line.
mod bench_harness;
