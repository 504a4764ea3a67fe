//! Rows per second of the gradient log: emitting gradient events through `GradientCsvLayer`
//! (`layer`), against writing the same rows straight to a `csv::Writer` with a reused
//! `ByteRecord`, `ryu` for floats and a digit loop for integers (`csv_direct`). Both write to
//! `io::sink()`, so the numbers measure dispatch and formatting, not the disk. `layer_filtered`
//! adds the per-layer filter the CLI installs; `visit_only` is a layer that only reads the
//! events' fields, the ceiling for any layer.
//!
//! Two sets of rows:
//! - `trainer_4_8_3`: the rows `mlp_train::train` emits for an iris-shaped classifier (4-8-3,
//!   sigmoid hidden layer, softmax output, batches of 16), captured from one epoch of training
//!   and replayed. They repeat themselves as every gradient log does (∂E/∂z for every input of
//!   a neuron, the input activation for every neuron it feeds, a weight for every sample of the
//!   batch), which the layer exploits by keeping the text of floats it has formatted.
//! - `trainer_4_100_3`: the same for the network `mlp train` builds by default (100 ReLU units,
//!   batches of 32): too many weights for the layer to keep their text.
//! - `distinct`: the 4-8-3 shape with every float drawn anew (but ∂z/∂w = 1 for a bias), 1,072
//!   values a column replayed, more than the layer's table holds: the worst case for the layer.
//!
//! `cargo bench -p mlp-train --bench gradlog [set]` (`harness = false` in `Cargo.toml`) prints,
//! for each set of rows, each variant's median time and rows per second, and its rate relative
//! to `csv_direct` (goal: layer ≥ 0.9) as the median of per-round ratios (see `support`).

use std::hint::black_box;
use std::io;

use mlp_core::Activation;
use mlp_train::events::{
    emit_gradient, epoch_span, step_span, GradientField, GradientRecord, ParamName, EPOCH_FIELD,
    STEP_FIELD,
};
use mlp_train::gradlog::GradientCsvLayer;
use mlp_train::TrainConfig;
use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

mod support;

use support::trainer_rows::{trainer_rows, Steps, N_SAMPLES};

/// Rows per benchmark iteration, rounded up to whole replays of the captured steps.
const MIN_ROWS_PER_ITERATION: usize = 100_000;
/// Measured rounds.
const ROUNDS: usize = 41;

/// The network of the `distinct` rows: 4 inputs, 8 sigmoid units, 3 softmax outputs.
const LAYER_SIZES: [usize; 3] = [4, 8, 3];
const BATCH_SIZE: usize = 16;

/// A xorshift64* generator: full-precision values without a dependency on `rand`.
struct Xorshift(u64);

impl Xorshift {
    /// A value in [-scale, scale) with all 53 bits of mantissa in play.
    fn next(&mut self, scale: f64) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        (bits as f64 / (1_u64 << 53) as f64 * 2.0 - 1.0) * scale
    }
}

fn param_name(name: &str) -> ParamName {
    ParamName::new(name).unwrap()
}

/// The rows of one step of the same network, shaped as the trainer's but with every float
/// drawn anew: 16 × (8 × 4 + 8 + 3 × 8 + 3) = 1072 rows.
fn distinct_rows() -> Steps {
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let mut records = Vec::new();
    for sample_idx in 0..BATCH_SIZE {
        // Tutorial-style names: weights W1..W56 and biases b1..b11, numbered across layers.
        let (mut n_weights, mut n_biases) = (0, 0);
        let sample = 1 + 7 * sample_idx % N_SAMPLES;
        for layer_idx in 0..LAYER_SIZES.len() - 1 {
            let (n_in, n_out) = (LAYER_SIZES[layer_idx], LAYER_SIZES[layer_idx + 1]);
            let is_output = layer_idx == LAYER_SIZES.len() - 2;
            for to in 1..=n_out {
                for from in (1..=n_in).map(Some).chain([None]) {
                    let weight = rng.next(1.0);
                    let de_dz = rng.next(0.5);
                    let dz_dw = if from.is_some() { rng.next(1.0).abs() } else { 1.0 };
                    let de_dw = de_dz * dz_dw;
                    records.push(GradientRecord {
                        sample,
                        layer: layer_idx + 1,
                        param: if from.is_some() {
                            n_weights += 1;
                            param_name(&format!("W{n_weights}"))
                        } else {
                            n_biases += 1;
                            param_name(&format!("b{n_biases}"))
                        },
                        to,
                        from,
                        weight,
                        dE_da: (!is_output).then(|| rng.next(1.0)),
                        da_dz: (!is_output).then(|| rng.next(0.25).abs()),
                        dE_dz: de_dz,
                        dz_dw,
                        dE_dw: de_dw,
                        weight_new: weight - 0.01 * de_dw,
                    });
                }
            }
        }
    }
    vec![records]
}

/// What the trainer does: an epoch span, a step span per step, the events inside; the
/// captured steps replayed `n_replays` times, numbered on.
fn emit_steps(steps: &Steps, n_replays: usize) {
    let _epoch = epoch_span(1).entered();
    let mut step = 0;
    for _ in 0..n_replays {
        for records in steps {
            step += 1;
            let _step = step_span(step).entered();
            for record in records {
                emit_gradient(black_box(record));
            }
        }
    }
}

/// The same rows written by hand: one reused `ByteRecord`, `ryu` for floats, a digit loop for
/// integers.
struct DirectWriter {
    writer: csv::Writer<io::Sink>,
    record: csv::ByteRecord,
    float: ryu::Buffer,
    integer: [u8; 20],
}

impl DirectWriter {
    fn new() -> DirectWriter {
        let mut writer = csv::Writer::from_writer(io::sink());
        let header =
            [EPOCH_FIELD, STEP_FIELD].into_iter().chain(GradientField::NAMES.iter().copied());
        writer.write_record(header).unwrap();
        DirectWriter {
            writer,
            record: csv::ByteRecord::new(),
            float: ryu::Buffer::new(),
            integer: [0; 20],
        }
    }

    fn write_steps(&mut self, steps: &Steps, n_replays: usize) {
        let mut step = 0;
        for _ in 0..n_replays {
            for records in steps {
                step += 1;
                for record in records {
                    self.write_row(1, step, black_box(record));
                }
            }
        }
    }

    fn write_row(&mut self, epoch: usize, step: usize, row: &GradientRecord) {
        let DirectWriter { writer, record, float, integer } = self;
        record.clear();
        record.push_field(format_integer(integer, epoch as u64));
        record.push_field(format_integer(integer, step as u64));
        record.push_field(format_integer(integer, row.sample as u64));
        record.push_field(format_integer(integer, row.layer as u64));
        record.push_field(row.param.as_bytes());
        record.push_field(format_integer(integer, row.to as u64));
        match row.from {
            Some(from) => record.push_field(format_integer(integer, from as u64)),
            None => record.push_field(b""),
        }
        record.push_field(float.format(row.weight).as_bytes());
        for value in [row.dE_da, row.da_dz] {
            match value {
                Some(value) => record.push_field(float.format(value).as_bytes()),
                None => record.push_field(b""),
            }
        }
        for value in [row.dE_dz, row.dz_dw, row.dE_dw, row.weight_new] {
            record.push_field(float.format(value).as_bytes());
        }
        writer.write_byte_record(record).unwrap();
    }
}

fn format_integer(buffer: &mut [u8; 20], mut value: u64) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return &buffer[start..];
        }
    }
}

/// A layer that visits every field of an event and writes nothing: what dispatching an event
/// and reading its fields costs, the ceiling for any layer.
struct VisitOnlyLayer;

struct SumVisitor(f64);

impl Visit for SumVisitor {
    fn record_f64(&mut self, _field: &Field, value: f64) {
        self.0 += value;
    }

    fn record_u64(&mut self, _field: &Field, value: u64) {
        self.0 += value as f64;
    }

    fn record_str(&mut self, _field: &Field, value: &str) {
        self.0 += value.len() as f64;
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl<S: Subscriber> Layer<S> for VisitOnlyLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut visitor = SumVisitor(0.0);
        event.record(&mut visitor);
        black_box(visitor.0);
    }
}

/// The layer with no row cap: the benchmark writes more rows than one Excel sheet holds, and a
/// capped layer would stop formatting after the first ten iterations.
fn uncapped_layer() -> GradientCsvLayer<io::Sink> {
    GradientCsvLayer::new(io::sink()).with_max_rows(u64::MAX)
}

fn bench_rows(name: &str, steps: &Steps, all_variants: bool) {
    let rows_per_replay: usize = steps.iter().map(Vec::len).sum();
    let n_replays = MIN_ROWS_PER_ITERATION.div_ceil(rows_per_replay);
    let n_rows = n_replays * rows_per_replay;

    let mut direct = DirectWriter::new();
    let layer = Dispatch::new(tracing_subscriber::registry().with(uncapped_layer()));
    let mut variants = vec![
        support::Variant {
            name: "csv_direct",
            run: Box::new(move || direct.write_steps(steps, n_replays)),
        },
        support::Variant {
            name: "layer",
            run: Box::new(move || {
                tracing::dispatcher::with_default(&layer, || emit_steps(steps, n_replays))
            }),
        },
    ];
    if all_variants {
        let filtered = uncapped_layer().with_filter(GradientCsvLayer::default_filter());
        let filtered = Dispatch::new(tracing_subscriber::registry().with(filtered));
        variants.push(support::Variant {
            name: "layer_filtered",
            run: Box::new(move || {
                tracing::dispatcher::with_default(&filtered, || emit_steps(steps, n_replays))
            }),
        });
        let visit_only = Dispatch::new(tracing_subscriber::registry().with(VisitOnlyLayer));
        variants.push(support::Variant {
            name: "visit_only",
            run: Box::new(move || {
                tracing::dispatcher::with_default(&visit_only, || emit_steps(steps, n_replays))
            }),
        });
    }
    support::compare(name, n_rows, "rows", ROUNDS, &mut variants);
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument selects the row sets whose name
    // contains it.
    let filter: Option<String> = std::env::args().skip(1).find(|arg| !arg.starts_with("--"));
    let selected = |name: &str| filter.as_deref().is_none_or(|filter| name.contains(filter));
    if selected("trainer_4_8_3") {
        let steps = trainer_rows(8, Activation::Sigmoid, BATCH_SIZE);
        bench_rows("trainer_4_8_3", &steps, true);
    }
    if selected("trainer_4_100_3") {
        // What `mlp train datasets/iris.csv` logs with the CLI's defaults.
        let steps = trainer_rows(100, Activation::Relu, TrainConfig::default().batch_size);
        bench_rows("trainer_4_100_3", &steps, false);
    }
    if selected("distinct") {
        bench_rows("distinct", &distinct_rows(), false);
    }
}
