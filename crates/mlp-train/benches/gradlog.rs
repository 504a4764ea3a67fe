//! Rows per second of the gradient log: emitting gradient events through `GradientCsvLayer`
//! (`layer`), against writing the same rows straight to a `csv::Writer` with a reused
//! `ByteRecord` and `ryu` (`csv_direct`). Both write to `io::sink()`, so the numbers measure
//! dispatch and formatting, not the disk. `layer_filtered` adds the per-layer filter;
//! `visit_only` is a layer that only reads the events' fields, the ceiling for any layer.
//!
//! `cargo bench -p mlp-train --bench gradlog` (`harness = false` in `Cargo.toml`).

use std::hint::black_box;
use std::io;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mlp_train::events::{emit_gradient, epoch_span, step_span, GradientRecord};
use mlp_train::gradlog::GradientCsvLayer;
use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// Rows per benchmark iteration, rounded up to whole steps.
const MIN_ROWS_PER_ITERATION: usize = 100_000;

/// Network shape: 4 inputs, 8 sigmoid units, 3 softmax outputs (an iris classifier).
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

const PARAM_NAMES: [(&str, &str); 2] = [("W1", "b1"), ("W2", "b2")];

/// The gradient events of one step: every parameter for every sample of the batch,
/// 16 × (8 × 4 + 8 + 3 × 8 + 3) = 1072 events.
fn step_records() -> Vec<GradientRecord<'static>> {
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let mut records = Vec::new();
    for sample_idx in 0..BATCH_SIZE {
        let sample = 1 + 7 * sample_idx % 150;
        for layer_idx in 0..LAYER_SIZES.len() - 1 {
            let (n_in, n_out) = (LAYER_SIZES[layer_idx], LAYER_SIZES[layer_idx + 1]);
            let is_output = layer_idx == LAYER_SIZES.len() - 2;
            let (weight_name, bias_name) = PARAM_NAMES[layer_idx];
            for to in 1..=n_out {
                let de_dz = rng.next(0.5);
                let (de_da, da_dz) = if is_output {
                    (None, None)
                } else {
                    (Some(rng.next(1.0)), Some(rng.next(0.25).abs()))
                };
                for from in (1..=n_in).map(Some).chain([None]) {
                    let weight = rng.next(1.0);
                    let dz_dw = if from.is_some() { rng.next(1.0).abs() } else { 1.0 };
                    let de_dw = de_dz * dz_dw;
                    records.push(GradientRecord {
                        sample,
                        layer: layer_idx + 1,
                        param: if from.is_some() { weight_name } else { bias_name },
                        to,
                        from,
                        weight,
                        dE_da: de_da,
                        da_dz,
                        dE_dz: de_dz,
                        dz_dw,
                        dE_dw: de_dw,
                        weight_new: weight - 0.01 * de_dw,
                    });
                }
            }
        }
    }
    records
}

/// What the trainer does: one epoch span, a step span per step, the events inside.
fn emit_steps(records: &[GradientRecord<'_>], n_steps: usize) {
    let _epoch = epoch_span(1).entered();
    for step in 1..=n_steps {
        let _step = step_span(step).entered();
        for record in records {
            emit_gradient(black_box(record));
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
        writer
            .write_record([
                "epoch",
                "step",
                "sample",
                "layer",
                "param",
                "to",
                "from",
                "weight",
                "dE_da",
                "da_dz",
                "dE_dz",
                "dz_dw",
                "dE_dw",
                "weight_new",
            ])
            .unwrap();
        DirectWriter {
            writer,
            record: csv::ByteRecord::new(),
            float: ryu::Buffer::new(),
            integer: [0; 20],
        }
    }

    fn write_steps(&mut self, records: &[GradientRecord<'_>], n_steps: usize) {
        for step in 1..=n_steps {
            for record in records {
                self.write_row(1, step, black_box(record));
            }
        }
    }

    fn write_row(&mut self, epoch: usize, step: usize, row: &GradientRecord<'_>) {
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

fn gradient_log(c: &mut Criterion) {
    let records = step_records();
    let n_steps = MIN_ROWS_PER_ITERATION.div_ceil(records.len());
    let n_rows = (n_steps * records.len()) as u64;

    let mut group = c.benchmark_group("gradient_rows");
    group.throughput(Throughput::Elements(n_rows));
    // About 5 s per benchmark: the machine is shared.
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    // (a) Through the layer. The benchmark writes more rows than one Excel sheet holds: lift
    // the cap, or the layer would stop formatting after the first ten iterations.
    let layer = GradientCsvLayer::new(io::sink()).with_max_rows(u64::MAX);
    let dispatch = Dispatch::new(tracing_subscriber::registry().with(layer));
    group.bench_function("layer", |b| {
        b.iter(|| tracing::dispatcher::with_default(&dispatch, || emit_steps(&records, n_steps)))
    });

    // (b) The same rows written directly.
    let mut direct = DirectWriter::new();
    group.bench_function("csv_direct", |b| b.iter(|| direct.write_steps(&records, n_steps)));

    // (a) behind the per-layer filter the CLI would install.
    let layer = GradientCsvLayer::new(io::sink()).with_max_rows(u64::MAX);
    let filtered = layer.with_filter(GradientCsvLayer::default_filter());
    let dispatch = Dispatch::new(tracing_subscriber::registry().with(filtered));
    group.bench_function("layer_filtered", |b| {
        b.iter(|| tracing::dispatcher::with_default(&dispatch, || emit_steps(&records, n_steps)))
    });

    // The cost of `tracing` alone: spans, dispatch, and visiting the fields.
    let dispatch = Dispatch::new(tracing_subscriber::registry().with(VisitOnlyLayer));
    group.bench_function("visit_only", |b| {
        b.iter(|| tracing::dispatcher::with_default(&dispatch, || emit_steps(&records, n_steps)))
    });

    group.finish();
}

criterion_group!(benches, gradient_log);
criterion_main!(benches);
