//! Time against the number of columns: a CSV file of a header and two rows, 1,000 to 300,000
//! columns wide, read and asked for a target column.
//!
//! - `read`: `Table::from_reader` alone (parsing, the duplicate-name check, the name index).
//! - `unknown_target`: reading, then `Table::select` with a target that is not in the file,
//!   and the error's message formatted (the suggestion search over every name, the list of
//!   names cut to its first 30).
//! - `known_target`: reading, then `Table::select` with the last column as the target and every
//!   other column as a feature.
//! - `feature_list`: reading, then `Table::select` with the features named one by one and a
//!   `drop` list of a tenth of the columns, as `--features` and `--drop` would give them.
//!
//! Each case was quadratic in the number of columns before issue #10 (15.7 s for an unknown
//! target on 100,000 columns; 300,000 did not answer in a minute); the goal is 300,000 columns
//! in a fraction of a second, growing about linearly.
//!
//! `cargo bench -p mlp-train --bench columns` (`harness = false` in `Cargo.toml`) prints, for
//! each width, each variant's median time and columns per second (see `support`).

use std::hint::black_box;

use mlp_train::data::{ColumnSelection, CsvOptions, Table, Task};

mod support;

/// The widths measured.
const WIDTHS: [usize; 4] = [1_000, 10_000, 100_000, 300_000];

/// Measured rounds at each width.
const ROUNDS: usize = 11;

/// A header `pixel_000000,…` of `n_columns` names (the last one `label`) and two rows of
/// numbers.
fn wide_csv(n_columns: usize) -> Vec<u8> {
    let names: Vec<String> = (0..n_columns - 1).map(|idx| format!("pixel_{idx:06}")).collect();
    let mut text = names.join(",");
    text.push_str(",label\n");
    for row in 0..2 {
        let cells: Vec<String> = (0..n_columns).map(|idx| ((idx + row) % 7).to_string()).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    text.into_bytes()
}

fn read(text: &[u8]) -> Table {
    Table::from_reader(text, "wide.csv", &CsvOptions::default()).expect("the file reads")
}

fn main() {
    for n_columns in WIDTHS {
        let text = wide_csv(n_columns);
        let features: Vec<String> =
            (0..n_columns - 1).step_by(2).map(|idx| format!("pixel_{idx:06}")).collect();
        let drop: Vec<String> =
            (1..n_columns - 1).step_by(10).map(|idx| format!("pixel_{idx:06}")).collect();
        let mut variants = [
            support::Variant {
                name: "read",
                run: Box::new(|| {
                    black_box(read(&text));
                }),
            },
            support::Variant {
                name: "unknown_target",
                run: Box::new(|| {
                    let table = read(&text);
                    let selection = ColumnSelection::new(["pixel_29999x"]);
                    let err = table.select(&selection, Task::Auto).expect_err("no such column");
                    black_box(err.to_string());
                }),
            },
            support::Variant {
                name: "known_target",
                run: Box::new(|| {
                    let table = read(&text);
                    let selection = ColumnSelection::new(["label"]);
                    black_box(table.select(&selection, Task::Auto).expect("the columns select"));
                }),
            },
            support::Variant {
                name: "feature_list",
                run: Box::new(|| {
                    let table = read(&text);
                    let selection = ColumnSelection::new(["label"])
                        .with_features(features.iter().cloned())
                        .with_drop(drop.iter().cloned());
                    black_box(table.select(&selection, Task::Auto).expect("the columns select"));
                }),
            },
        ];
        let name = format!("columns_{n_columns}");
        support::compare(&name, n_columns, "columns", ROUNDS, &mut variants);
    }
}
