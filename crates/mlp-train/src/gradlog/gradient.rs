//! The gradient log: one row per partial derivative of one parameter for one sample, with
//! filters that keep chosen layers, parameters and samples.

use std::fs::File;
use std::io::Write;

use tracing::Level;

use super::kind::sealed::Sealed;
use super::layer::CsvLayer;
use super::row::{Column, RowBuffer};
use super::spans::Counter;
use crate::events::{GradientField, GRADIENT_LEVEL, GRADIENT_TARGET};

/// Writes one row per [`GRADIENT_TARGET`] event: the gradient log. See the
/// [module docs](super) for its columns.
pub type GradientCsvLayer<W = File> = CsvLayer<GradientRows, W>;

/// The [`RowKind`](super::RowKind) of [`GradientCsvLayer`], holding its row filters.
#[derive(Debug, Clone, Default)]
pub struct GradientRows {
    pub(super) layers: Option<Vec<u64>>,
    pub(super) params: Option<Vec<Box<str>>>,
    /// Sorted, for binary search.
    pub(super) samples: Option<Vec<u64>>,
}

/// The columns before the event's fields: from the enclosing spans.
const SPAN_COLUMNS: [Column; 2] = [Column::span(Counter::Epoch), Column::span(Counter::Step)];
/// `epoch`, `step`, then the event's fields in schema order.
const COLUMNS: [Column; 2 + GradientField::ALL.len()] =
    Column::from_schema(&SPAN_COLUMNS, GradientField::NAMES);

/// The column of `field`.
const fn column_of(field: GradientField) -> usize {
    SPAN_COLUMNS.len() + field as usize
}

impl Sealed for GradientRows {
    const TARGET: &'static str = GRADIENT_TARGET;
    const LEVEL: Level = GRADIENT_LEVEL;
    const COLUMNS: &'static [Column] = &COLUMNS;

    #[inline]
    fn filters_cells(&self) -> bool {
        self.layers.is_some() || self.params.is_some() || self.samples.is_some()
    }

    #[inline]
    fn keep(&self, row: &RowBuffer) -> bool {
        self.layers.as_ref().is_none_or(|layers| {
            row.unsigned(column_of(GradientField::Layer))
                .is_some_and(|layer| layers.contains(&layer))
        }) && self.params.as_ref().is_none_or(|params| {
            row.text(column_of(GradientField::Param))
                .is_some_and(|param| params.iter().any(|kept| kept.as_bytes() == param))
        }) && self.samples.as_ref().is_none_or(|samples| {
            row.unsigned(column_of(GradientField::Sample))
                .is_some_and(|sample| samples.binary_search(&sample).is_ok())
        })
    }
}

/// Row filters. A row is written when it passes every filter set; each call replaces the
/// previous list of its kind, and an empty list keeps no rows.
///
/// Which steps are logged is the trainer's choice, [`TrainConfig::log_every`]: a step not
/// logged emits no events, which saves their cost whoever listens.
///
/// [`TrainConfig::log_every`]: crate::TrainConfig::log_every
impl<W: Write> CsvLayer<GradientRows, W> {
    /// Keeps only the rows of these 1-based weight layers.
    pub fn with_layers(mut self, layers: impl IntoIterator<Item = usize>) -> Self {
        self.kind.keep_layers(layers);
        self
    }

    /// Keeps only the rows of these parameters, named as in the `param` column: `W1`..`Wn`,
    /// `b1`..`bn`.
    pub fn with_params<I>(mut self, params: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.kind.keep_params(params);
        self
    }

    /// Keeps only the rows of these 1-based samples (row numbers in the training data file).
    pub fn with_samples(mut self, samples: impl IntoIterator<Item = usize>) -> Self {
        self.kind.keep_samples(samples);
        self
    }
}

/// The row filters, set once for the CSV and the xlsx layer alike.
impl GradientRows {
    pub(super) fn keep_layers(&mut self, layers: impl IntoIterator<Item = usize>) {
        self.layers = Some(layers.into_iter().map(|layer| layer as u64).collect());
    }

    pub(super) fn keep_params<I>(&mut self, params: I)
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.params = Some(params.into_iter().map(|param| param.into().into_boxed_str()).collect());
    }

    /// Sorted and without repeats, for a binary search per row.
    pub(super) fn keep_samples(&mut self, samples: impl IntoIterator<Item = usize>) {
        let mut samples: Vec<u64> = samples.into_iter().map(|sample| sample as u64).collect();
        samples.sort_unstable();
        samples.dedup();
        self.samples = Some(samples);
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::prelude::*;

    use super::*;
    use crate::events::Precision;
    use crate::events::{emit_gradient, epoch_span, step_span, GradientRecord};
    use crate::gradlog::float_text::reference_text;
    use crate::gradlog::test_support::{
        key_columns, name, run, train_fixture, train_span, SharedBuffer,
    };

    const HEADER: &str =
        "epoch,step,sample,layer,param,to,from,weight,dE_da,da_dz,dE_dz,dz_dw,dE_dw,weight_new\n";

    /// Runs the fixture through a gradient layer configured by `configure`; returns the
    /// (epoch, step, sample, layer, param) of each row.
    fn keys_with(
        configure: impl FnOnce(GradientCsvLayer<SharedBuffer>) -> GradientCsvLayer<SharedBuffer>,
    ) -> Vec<String> {
        let buffer = SharedBuffer::default();
        let layer = configure(GradientCsvLayer::new(buffer.clone()));
        let guard = layer.flush_on_drop();
        run(layer, train_fixture);
        guard.flush().unwrap();
        key_columns(&buffer.text(), 5)
    }

    #[test]
    fn writes_one_row_per_event_with_epoch_and_step_from_spans() {
        let buffer = SharedBuffer::default();
        let layer = GradientCsvLayer::new(buffer.clone());
        let guard = layer.flush_on_drop();
        run(layer, || {
            {
                let _epoch = epoch_span(1).entered();
                {
                    let _step = step_span(1).entered();
                    emit_gradient(&GradientRecord {
                        sample: 3,
                        layer: 1,
                        param: name("W1"),
                        to: 2,
                        from: Some(1),
                        weight: 0.5,
                        dE_da: Some(0.25),
                        da_dz: Some(0.1 + 0.2),
                        dE_dz: 0.075,
                        dz_dw: 1.5,
                        dE_dw: 0.1125,
                        weight_new: 0.4,
                    });
                    emit_gradient(&GradientRecord {
                        sample: 3,
                        layer: 1,
                        param: name("b1"),
                        to: 2,
                        from: None,
                        weight: -0.125,
                        dE_da: Some(0.25),
                        da_dz: Some(0.5),
                        dE_dz: 0.125,
                        dz_dw: 1.0,
                        dE_dw: 0.125,
                        weight_new: -0.1375,
                    });
                    // A softmax output layer: dE/da and da/dz are not elementwise.
                    emit_gradient(&GradientRecord {
                        sample: 3,
                        layer: 2,
                        param: name("W2"),
                        to: 1,
                        from: Some(2),
                        weight: 1e-7,
                        dE_da: None,
                        da_dz: None,
                        dE_dz: -0.75,
                        dz_dw: 0.6,
                        dE_dw: -0.45,
                        weight_new: 2.5e20,
                    });
                }
                let _step = step_span(2).entered();
                emit_gradient(&GradientRecord {
                    sample: 4,
                    layer: 2,
                    param: name("b2"),
                    to: 1,
                    from: None,
                    weight: 0.0,
                    dE_da: None,
                    da_dz: None,
                    dE_dz: 0.2,
                    dz_dw: 1.0,
                    dE_dw: 0.2,
                    weight_new: -0.0,
                });
            }
            let _epoch = epoch_span(2).entered();
            let _step = step_span(3).entered();
            emit_gradient(&GradientRecord {
                sample: 1,
                layer: 10,
                param: name("W10"),
                to: 12,
                from: Some(345),
                weight: 1.0 / 3.0,
                dE_da: Some(f64::NAN),
                da_dz: Some(f64::INFINITY),
                dE_dz: f64::NEG_INFINITY,
                dz_dw: 1e16,
                dE_dw: 1e-5,
                weight_new: 123456.75,
            });
        });
        guard.flush().unwrap();
        // Floats as `ryu` (and Rust's `{:?}`) write them: the shortest text that parses back to
        // the same f64, so 0.1 + 0.2 shows its rounding error.
        let expected = [
            HEADER,
            "1,1,3,1,W1,2,1,0.5,0.25,0.30000000000000004,0.075,1.5,0.1125,0.4\n",
            "1,1,3,1,b1,2,,-0.125,0.25,0.5,0.125,1.0,0.125,-0.1375\n",
            "1,1,3,2,W2,1,2,1e-7,,,-0.75,0.6,-0.45,2.5e20\n",
            "1,2,4,2,b2,1,,0.0,,,0.2,1.0,0.2,-0.0\n",
            "2,3,1,10,W10,12,345,0.3333333333333333,NaN,inf,-inf,1e16,0.00001,123456.75\n",
        ]
        .concat();
        assert_eq!(buffer.text(), expected);
        assert_eq!(guard.rows_written(), 5);
        assert!(!guard.truncated());
    }

    #[test]
    fn floats_read_back_bit_for_bit() {
        let values = [
            0.1 + 0.2,
            1.0 / 3.0,
            -2.0 / 7.0,
            std::f64::consts::PI * 1e-200,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            -1.0e-300 / 3.0,
        ];
        let buffer = SharedBuffer::default();
        let layer = GradientCsvLayer::new(buffer.clone());
        let guard = layer.flush_on_drop();
        run(layer, || {
            let _epoch = epoch_span(1).entered();
            let _step = step_span(1).entered();
            for value in values {
                emit_gradient(&GradientRecord {
                    sample: 1,
                    layer: 1,
                    param: name("W1"),
                    to: 1,
                    from: Some(1),
                    weight: value,
                    dE_da: Some(value),
                    da_dz: Some(value),
                    dE_dz: value,
                    dz_dw: value,
                    dE_dw: value,
                    weight_new: value,
                });
            }
        });
        guard.flush().unwrap();
        let text = buffer.text();
        let rows: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(rows.len(), values.len());
        for (row, value) in rows.iter().zip(values) {
            for cell in row.split(',').skip(7) {
                assert_eq!(cell.parse::<f64>().unwrap().to_bits(), value.to_bits(), "{cell}");
                assert_eq!(cell, format!("{value:?}"), "shortest round trip");
            }
        }
    }

    /// Rows that repeat one another in every way the layer takes shortcuts for (the same
    /// leading fields, floats seen before, parameters of equal length, `0.0` after `-0.0`, NaN,
    /// text that needs quotes) are written exactly as a `csv::Writer` with default settings
    /// writes them with every field formatted afresh, with rows filtered out in between.
    #[test]
    fn repeating_rows_are_written_as_if_formatted_afresh() {
        use rand::{Rng, SeedableRng};

        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut pool = vec![0.0, -0.0, 1.0, -1.0, f64::NAN, f64::INFINITY, 5e-324, 0.1 + 0.2];
        // More values than the layer keeps the text of, so they are evicted and come back;
        // half of them f32s, whose text differs at the two precisions.
        pool.extend(
            (0..600).map(|_| rng.random_range(-2.0..2.0) * 10f64.powi(rng.random_range(-9..9))),
        );
        pool.extend((0..600).map(|_| {
            f64::from(rng.random_range(-2.0_f32..2.0) * 10f32.powi(rng.random_range(-9..9)))
        }));
        // Names that need quotes too, one of them the quoted form of another.
        let params = ["W1", "W2", "b1", "b2", "W10", "a,b", "\"a,b\"", "x\ny", "\"\"", "c\rd"];
        let kept = ["W1", "b1", "W10", "a,b", "\"a,b\"", "x\ny", "\"\""];
        // Half the time one of the special values at the front of the pool.
        let value = |rng: &mut rand_chacha::ChaCha8Rng| {
            let end = if rng.random_bool(0.5) { 8 } else { pool.len() };
            pool[rng.random_range(0..end)]
        };
        let maybe = |rng: &mut rand_chacha::ChaCha8Rng| {
            let value = value(rng);
            rng.random_bool(0.7).then_some(value)
        };
        // Each record is the one before with each field drawn anew at a rate of 1 in 4.
        let mut record = GradientRecord {
            sample: 1,
            layer: 1,
            param: name("W1"),
            to: 1,
            from: Some(1),
            ..GradientRecord::default()
        };
        // Each record with the precision of the run that emits it, drawn anew every 100 rows,
        // within steps as well as between them.
        let mut records = Vec::new();
        let mut precision = Precision::F64;
        for row_idx in 0..20_000 {
            if row_idx % 100 == 0 {
                precision = if rng.random_bool(0.5) { Precision::F32 } else { Precision::F64 };
            }
            let mut redraw = || rng.random_bool(0.25);
            let [sample, layer, param, to, from, weight, de_da, da_dz, de_dz, dz_dw, de_dw, new] =
                std::array::from_fn(|_| redraw());
            if sample {
                record.sample = rng.random_range(1..=2);
            }
            if layer {
                record.layer = rng.random_range(1..=2);
            }
            if param {
                record.param = name(params[rng.random_range(0..params.len())]);
            }
            if to {
                record.to = rng.random_range(1..=2);
            }
            if from {
                record.from = Some(rng.random_range(1..=3)).filter(|&from| from < 3);
            }
            if weight {
                record.weight = value(&mut rng);
            }
            if de_da {
                record.dE_da = maybe(&mut rng);
            }
            if da_dz {
                record.da_dz = maybe(&mut rng);
            }
            if de_dz {
                record.dE_dz = value(&mut rng);
            }
            if dz_dw {
                record.dz_dw = value(&mut rng);
            }
            if de_dw {
                record.dE_dw = value(&mut rng);
            }
            if new {
                record.weight_new = value(&mut rng);
            }
            records.push((record, precision));
        }

        let buffer = SharedBuffer::default();
        let layer = GradientCsvLayer::new(buffer.clone()).with_params(kept);
        let guard = layer.flush_on_drop();
        run(layer, || {
            for (chunk_idx, chunk) in records.chunks(1000).enumerate() {
                let _epoch = epoch_span(1 + chunk_idx / 4).entered();
                let _step = step_span(1 + chunk_idx).entered();
                for run in chunk.chunks(100) {
                    let _train = train_span(run[0].1).entered();
                    run.iter().for_each(|(record, _)| emit_gradient(record));
                }
            }
        });
        guard.flush().unwrap();

        let mut expected = csv::Writer::from_writer(Vec::new());
        expected.write_record(HEADER.trim_end().split(',')).unwrap();
        for (row_idx, &(record, precision)) in records.iter().enumerate() {
            if !kept.iter().any(|&kept| record.param == kept) {
                continue;
            }
            let float = |value: f64| reference_text(value, precision);
            let row = [
                (1 + row_idx / 4000).to_string(),
                (1 + row_idx / 1000).to_string(),
                record.sample.to_string(),
                record.layer.to_string(),
                record.param.to_string(),
                record.to.to_string(),
                record.from.map_or(String::new(), |from| from.to_string()),
                float(record.weight),
                record.dE_da.map_or(String::new(), float),
                record.da_dz.map_or(String::new(), float),
                float(record.dE_dz),
                float(record.dz_dw),
                float(record.dE_dw),
                float(record.weight_new),
            ];
            expected.write_record(&row).unwrap();
        }
        let expected = String::from_utf8(expected.into_inner().unwrap()).unwrap();
        assert!(expected.lines().count() > 10_000);
        // Many rows of f32 runs hold an f32 whose text differs at the two precisions.
        let n_f32_texts = records
            .iter()
            .filter(|&&(record, precision)| {
                precision == Precision::F32
                    && reference_text(record.weight, precision)
                        != reference_text(record.weight, Precision::F64)
            })
            .count();
        assert!(n_f32_texts > 1000, "{n_f32_texts}");
        assert!(buffer.text() == expected, "the layer's rows differ from the reference");
    }

    #[test]
    fn ignores_events_of_other_targets() {
        let buffer = SharedBuffer::default();
        let layer = GradientCsvLayer::new(buffer.clone());
        let guard = layer.flush_on_drop();
        run(layer, || {
            let _epoch = epoch_span(1).entered();
            let _step = step_span(1).entered();
            tracing::info!(sample = 1_u64, layer = 1_u64, "not a gradient");
            crate::events::emit_layer(&crate::events::LayerRecord {
                layer: 1,
                grad_norm: 1.0,
                grad_max_abs: 1.0,
                weight_norm: 1.0,
                update_ratio: 0.1,
                saturated_fraction: None,
                dead_fraction: None,
            });
            crate::events::emit_epoch(&crate::events::EpochRecord::default());
        });
        guard.flush().unwrap();
        assert_eq!(buffer.text(), HEADER);
        assert_eq!(guard.rows_written(), 0);
    }

    #[test]
    fn without_filters_writes_every_row_of_the_fixture() {
        let keys = keys_with(|layer| layer);
        assert_eq!(keys.len(), 32);
        assert_eq!(keys[..4], ["1,1,1,1,W1", "1,1,1,1,b1", "1,1,1,2,W2", "1,1,1,2,b2"]);
        assert_eq!(keys[31], "2,4,4,2,b2");
    }

    #[test]
    fn with_layers_keeps_those_layers() {
        let keys = keys_with(|layer| layer.with_layers([2]));
        assert_eq!(keys.len(), 16);
        assert!(
            keys.iter().all(|key| key.ends_with(",2,W2") || key.ends_with(",2,b2")),
            "{keys:?}"
        );
        assert!(keys_with(|layer| layer.with_layers([])).is_empty());
    }

    #[test]
    fn with_params_keeps_those_parameters() {
        let keys = keys_with(|layer| layer.with_params(["b2", "W1"]));
        assert_eq!(keys.len(), 16);
        assert_eq!(keys[..3], ["1,1,1,1,W1", "1,1,1,2,b2", "1,1,2,1,W1"]);
        let keys = keys_with(|layer| layer.with_params(vec![String::from("b1")]));
        assert_eq!(keys.len(), 8);
        assert!(keys.iter().all(|key| key.ends_with(",1,b1")));
    }

    #[test]
    fn with_samples_keeps_those_samples() {
        let keys = keys_with(|layer| layer.with_samples([4, 2, 4]));
        assert_eq!(keys.len(), 16);
        let samples: Vec<&str> = keys.iter().map(|key| key.split(',').nth(2).unwrap()).collect();
        assert!(samples.iter().all(|&sample| sample == "2" || sample == "4"), "{samples:?}");
    }

    /// An event with a `step` field of its own shows that step, not the enclosing span's.
    #[test]
    fn a_step_field_of_the_event_fills_the_step_column() {
        let buffer = SharedBuffer::default();
        let layer = GradientCsvLayer::new(buffer.clone());
        let guard = layer.flush_on_drop();
        run(layer, || {
            tracing::trace!(target: GRADIENT_TARGET, step = 3_u64, sample = 1_u64);
            let _step = step_span(1).entered();
            tracing::trace!(target: GRADIENT_TARGET, step = 2_u64, sample = 2_u64);
            tracing::trace!(target: GRADIENT_TARGET, step = 5_i64, sample = 3_u64);
            tracing::trace!(target: GRADIENT_TARGET, sample = 4_u64);
        });
        guard.flush().unwrap();
        assert_eq!(key_columns(&buffer.text(), 3), [",3,1", ",2,2", ",5,3", ",1,4"]);
    }

    #[test]
    fn filters_combine() {
        let keys =
            keys_with(|layer| layer.with_layers([1]).with_params(["W1", "W2"]).with_samples([3]));
        // Sample 3 is in steps 2 and 4.
        assert_eq!(keys, ["1,2,3,1,W1", "2,4,3,1,W1"]);
    }

    #[test]
    fn row_cap_counts_filtered_rows_only() {
        let buffer = SharedBuffer::default();
        let layer = GradientCsvLayer::new(buffer.clone()).with_layers([2]).with_max_rows(5);
        let guard = layer.flush_on_drop();
        run(layer, train_fixture);
        guard.flush().unwrap();
        assert_eq!(key_columns(&buffer.text(), 5).len(), 5);
        assert_eq!((guard.rows_written(), guard.rows_dropped()), (5, 11));
        assert!(guard.truncated());
    }

    #[test]
    fn per_layer_filter_still_fills_epoch_and_step() {
        let buffer = SharedBuffer::default();
        let layer = GradientCsvLayer::new(buffer.clone());
        let guard = layer.flush_on_drop();
        run(layer.with_filter(GradientCsvLayer::default_filter()), train_fixture);
        guard.flush().unwrap();
        let keys = key_columns(&buffer.text(), 5);
        assert_eq!(keys.len(), 32);
        assert_eq!(keys[0], "1,1,1,1,W1");
        assert_eq!(keys[31], "2,4,4,2,b2");
    }

    /// The pitfall `default_filter` avoids: a filter that passes the events but not the spans.
    #[test]
    fn per_layer_filter_without_the_spans_leaves_epoch_and_step_empty() {
        let buffer = SharedBuffer::default();
        let layer = GradientCsvLayer::new(buffer.clone());
        let guard = layer.flush_on_drop();
        let events_only = Targets::new().with_target(GRADIENT_TARGET, GRADIENT_LEVEL);
        run(layer.with_filter(events_only), train_fixture);
        guard.flush().unwrap();
        let keys = key_columns(&buffer.text(), 5);
        assert_eq!(keys.len(), 32);
        assert_eq!(keys[0], ",,1,1,W1");
    }
}
