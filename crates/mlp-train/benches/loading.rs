//! Reading a CSV file of numbers into a `Table`, in bytes per second (issue #11, workload W4).
//!
//! - `read`: `Table::from_reader` (the chunked path, on every core).
//! - `csv_records`: the `csv` crate's records with `parse_number` on every field, on one
//!   thread: the work of the loader's former path, without building a table, as a yardstick.
//!
//! The file is `$MLP_BENCH_CSV` when set (e.g. the 427 MB W3 file of `make_classification`,
//! written with `%.6g`), otherwise 20,000 rows × 101 columns of `%.6g`-like numbers generated
//! here (about 20 MB). `cargo bench -p mlp-train --bench loading` prints each variant's median
//! time, its rate (bytes per second: `M` is MB/s) and the ratio to `read` (see `support`).

use std::hint::black_box;

use mlp_train::data::{parse_number, CsvOptions, DecimalSeparator, Table};
use rand::{Rng, SeedableRng};

mod support;

/// Measured rounds.
const ROUNDS: usize = 7;

/// A header `x0,…,x99,label` and rows of numbers written as `%.6g` writes them.
fn generated_csv() -> Vec<u8> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut text: String = (0..100).map(|idx| format!("x{idx},")).collect();
    text.push_str("label\n");
    for _ in 0..20_000 {
        for _ in 0..100 {
            let value: f64 = rng.random_range(-4.0..4.0);
            text.push_str(&format!("{value:.5},"));
        }
        text.push_str(&format!("{}\n", rng.random_range(0..10)));
    }
    text.into_bytes()
}

fn main() {
    let text = match std::env::var_os("MLP_BENCH_CSV") {
        Some(path) => std::fs::read(path).expect("MLP_BENCH_CSV names a readable file"),
        None => generated_csv(),
    };
    let mut variants = [
        support::Variant {
            name: "read",
            run: Box::new(|| {
                let table = Table::from_reader(&text[..], "bench.csv", &CsvOptions::default());
                black_box(table.expect("the file reads"));
            }),
        },
        support::Variant {
            name: "csv_records",
            run: Box::new(|| {
                let mut reader =
                    csv::ReaderBuilder::new().has_headers(false).from_reader(&text[..]);
                let mut record = csv::ByteRecord::new();
                let mut sum = 0.0;
                while reader.read_byte_record(&mut record).expect("the file reads") {
                    for field in &record {
                        sum += parse_number(field, DecimalSeparator::Point).unwrap_or(0.0);
                    }
                }
                black_box(sum);
            }),
        },
    ];
    support::compare("loading", text.len(), "bytes", ROUNDS, &mut variants);
}
