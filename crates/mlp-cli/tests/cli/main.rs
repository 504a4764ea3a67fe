//! End-to-end tests of the `mlp` binary: each spawns the real executable.

// Helpers: running `mlp`, dataset paths, checking failures.
mod util;

// The tutorial's step reproduced by `mlp train --grad-log`, and `mlp explain` on it.
mod seed;
// Defaults on iris; train, save, evaluate and predict round trip; precision and logs.
mod train;
// Bad input: every error names the file (and line and column) and nothing panics.
mod bad_input;
// What a person sees: progress lines, --quiet and --verbose, warnings, the files written,
// significant digits, predict --json.
mod console;
