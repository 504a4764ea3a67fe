//! What a chart shows, before it is drawn: panels of named series with their axes. The
//! chart functions build a [`Figure`]; [`super::render`] draws it.

use std::ops::Range;

use super::logs::{History, LayerLog};
use super::{ChartError, ChartOptions, LayerMetric, LayerXAxis};

/// How a panel's vertical axis maps values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scale {
    Linear,
    /// Base 10; only values > 0 are drawn.
    Log,
}

/// One line of a panel, with its legend name.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Series {
    pub(super) name: String,
    pub(super) points: Vec<(f64, f64)>,
}

/// One chart with its axes.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Panel {
    pub(super) title: String,
    pub(super) x_label: &'static str,
    pub(super) y_label: &'static str,
    pub(super) scale: Scale,
    pub(super) x_range: Range<f64>,
    pub(super) y_range: Range<f64>,
    pub(super) series: Vec<Series>,
}

/// Panels stacked top to bottom under an optional title, and how many values were left out.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Figure {
    pub(super) title: Option<String>,
    pub(super) panels: Vec<Panel>,
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) n_skipped: usize,
}

/// Default height of a one-panel chart, in pixels.
pub(super) const PANEL_HEIGHT: u32 = 500;
/// Default height of a two-panel chart (loss above, accuracy or R² below), in pixels.
pub(super) const TWO_PANEL_HEIGHT: u32 = 840;

/// The smallest range of whole decades, [10^⌊log₁₀ min⌋, 10^⌈log₁₀ max⌉], that holds every
/// finite value > 0 of `values`, one decade wide at least; `None` when there is no such value.
/// Where a power of ten is not a normal `f64` (below 1e-307, above 1e308) the range ends at the
/// data instead.
///
/// ```
/// let range = mlp_plot::chart::log_axis_range([0.003, 0.0, 42.0, -1.0]).unwrap();
/// assert_eq!(range, 0.001..100.0);
/// ```
pub fn log_axis_range(values: impl IntoIterator<Item = f64>) -> Option<Range<f64>> {
    let (min, max) = values.into_iter().filter(|value| value.is_finite() && *value > 0.0).fold(
        None,
        |range: Option<(f64, f64)>, value| match range {
            None => Some((value, value)),
            Some((min, max)) => Some((min.min(value), max.max(value))),
        },
    )?;
    let low_exponent = min.log10().floor();
    let mut high_exponent = max.log10().ceil();
    if high_exponent <= low_exponent {
        high_exponent = low_exponent + 1.0;
    }
    let low = 10f64.powi(low_exponent as i32);
    let high = 10f64.powi(high_exponent as i32);
    let low = if low.is_normal() && low <= min { low } else { min };
    let high = if high.is_finite() && high >= max { high } else { max };
    Some(low..high)
}

/// The range of `values` (finite ones), widened by 5% of its width on each side; `fallback`
/// when there is no finite value. A range of one value is widened to ±0.5.
fn padded_range(values: impl IntoIterator<Item = f64>, fallback: Range<f64>) -> Range<f64> {
    let (min, max) = values
        .into_iter()
        .filter(|value| value.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(min, max), value| {
            (min.min(value), max.max(value))
        });
    if min > max {
        return fallback;
    }
    if min == max {
        return min - 0.5..max + 0.5;
    }
    let pad = 0.05 * (max - min);
    min - pad..max + pad
}

/// The x range of integer positions `first..=last`: one unit wider each side when there is
/// only one.
fn count_range(positions: impl IntoIterator<Item = usize>) -> Range<f64> {
    let (min, max) = positions
        .into_iter()
        .fold((usize::MAX, 0), |(min, max), position| (min.min(position), max.max(position)));
    if min > max {
        return 0.0..1.0;
    }
    if min == max {
        return min as f64 - 1.0..max as f64 + 1.0;
    }
    min as f64..max as f64
}

/// Points `(x, y)` for the values of `values` that `scale` can show; counts the others.
fn points(
    values: impl IntoIterator<Item = (usize, Option<f64>)>,
    scale: Scale,
    n_skipped: &mut usize,
) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    for (x, value) in values {
        let Some(value) = value else { continue };
        let drawable = value.is_finite() && (scale == Scale::Linear || value > 0.0);
        if drawable {
            points.push((x as f64, value));
        } else {
            *n_skipped += 1;
        }
    }
    points
}

/// The series of a training value and its validation counterpart, the latter only when the
/// history has one.
fn train_and_validation(
    history: &History,
    train: impl Fn(&mlp_train::events::EpochRecord) -> Option<f64>,
    validation: impl Fn(&mlp_train::events::EpochRecord) -> Option<f64>,
    n_skipped: &mut usize,
) -> Vec<Series> {
    let mut series = Vec::new();
    for (name, value) in [("training", &train as &dyn Fn(_) -> _), ("validation", &validation)] {
        if history.epochs.iter().any(|record| value(record).is_some()) {
            let values = history.epochs.iter().map(|record| (record.epoch, value(record)));
            series.push(Series {
                name: name.to_owned(),
                points: points(values, Scale::Linear, n_skipped),
            });
        }
    }
    series
}

/// The history's figure: loss per epoch; below it accuracy per epoch for a classifier, or R²
/// for a regressor (whichever the history has values of).
pub(super) fn history_figure(
    history: &History,
    options: &ChartOptions,
) -> Result<Figure, ChartError> {
    if history.epochs.is_empty() {
        return Err(ChartError::NoData);
    }
    let mut n_skipped = 0;
    let x_range = count_range(history.epochs.iter().map(|record| record.epoch));
    let loss = train_and_validation(history, |r| Some(r.loss), |r| r.val_loss, &mut n_skipped);
    let loss_values = loss.iter().flat_map(|series| series.points.iter().map(|point| point.1));
    let loss_range = padded_range(loss_values, 0.0..1.0);
    let mut panels = vec![Panel {
        title: "Loss per epoch".to_owned(),
        x_label: "epoch",
        y_label: "loss",
        scale: Scale::Linear,
        x_range: x_range.clone(),
        y_range: loss_range.start.min(0.0)..loss_range.end,
        series: loss,
    }];
    let accuracy =
        train_and_validation(history, |r| r.accuracy, |r| r.val_accuracy, &mut n_skipped);
    if !accuracy.is_empty() {
        panels.push(Panel {
            title: "Accuracy per epoch".to_owned(),
            x_label: "epoch",
            y_label: "accuracy",
            scale: Scale::Linear,
            x_range,
            y_range: 0.0..1.02,
            series: accuracy,
        });
    } else {
        let r2 = train_and_validation(history, |r| r.r2, |r| r.val_r2, &mut n_skipped);
        if !r2.is_empty() {
            let values = r2.iter().flat_map(|series| series.points.iter().map(|point| point.1));
            let range = padded_range(values, 0.0..1.0);
            panels.push(Panel {
                title: "R² per epoch".to_owned(),
                x_label: "epoch",
                y_label: "R²",
                scale: Scale::Linear,
                x_range,
                y_range: range.start.min(0.0)..range.end.max(1.02),
                series: r2,
            });
        }
    }
    let default_height = if panels.len() == 1 { PANEL_HEIGHT } else { TWO_PANEL_HEIGHT };
    Ok(Figure {
        title: options.title.clone(),
        width: options.width,
        height: options.height.unwrap_or(default_height),
        panels,
        n_skipped,
    })
}

/// The layer log's figure: `metric` per layer over the steps or epochs, on a log scale, one
/// line per layer named `layer N` (`layer N (output)` for the last).
pub(super) fn layer_figure(
    log: &LayerLog,
    metric: LayerMetric,
    x_axis: LayerXAxis,
    options: &ChartOptions,
) -> Result<Figure, ChartError> {
    let layers = log.layers();
    let Some(&last) = layers.last() else { return Err(ChartError::NoData) };
    let per_epoch = match x_axis {
        LayerXAxis::Step => false,
        LayerXAxis::Epoch => true,
        LayerXAxis::Auto => {
            let mut steps: Vec<usize> = log.rows.iter().map(|row| row.step).collect();
            steps.dedup();
            steps.len() > LayerXAxis::MAX_STEPS
        }
    };
    let mut n_skipped = 0;
    let series: Vec<Series> = layers
        .iter()
        .map(|&layer| {
            let rows = log.rows.iter().filter(|row| row.record.layer == layer);
            let values = rows.map(|row| {
                let x = if per_epoch { row.epoch } else { row.step };
                (x, Some(metric.value(&row.record)))
            });
            let mut points = points(values, Scale::Log, &mut n_skipped);
            if per_epoch {
                points = geometric_means(&points);
            }
            let name = match layer == last {
                true => format!("layer {layer} (output)"),
                false => format!("layer {layer}"),
            };
            Series { name, points }
        })
        .collect();
    let values = series.iter().flat_map(|series| series.points.iter().map(|point| point.1));
    let y_range = log_axis_range(values).ok_or(ChartError::NothingPositive { metric })?;
    let x_range = match per_epoch {
        true => count_range(log.rows.iter().map(|row| row.epoch)),
        false => count_range(log.rows.iter().map(|row| row.step)),
    };
    let panel = Panel {
        title: match per_epoch {
            true => format!("{} per layer, geometric mean per epoch", metric.title()),
            false => format!("{} per layer", metric.title()),
        },
        x_label: if per_epoch { "epoch" } else { "step" },
        y_label: metric.axis_label(),
        scale: Scale::Log,
        x_range,
        y_range,
        series,
    };
    Ok(Figure {
        title: options.title.clone(),
        width: options.width,
        height: options.height.unwrap_or(PANEL_HEIGHT),
        panels: vec![panel],
        n_skipped,
    })
}

/// One point per run of equal x in `points` (values > 0): x and exp(mean(ln y)).
fn geometric_means(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut means: Vec<(f64, f64)> = Vec::new();
    let mut run_start = 0;
    for idx in 1..=points.len() {
        if idx == points.len() || points[idx].0 != points[run_start].0 {
            let run = &points[run_start..idx];
            let mean = match run {
                // exp(ln y) is not always y.
                [(_, only)] => *only,
                _ => (run.iter().map(|point| point.1.ln()).sum::<f64>() / run.len() as f64).exp(),
            };
            means.push((run[0].0, mean));
            run_start = idx;
        }
    }
    means
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_axis_range_covers_the_data_in_whole_decades() {
        let data = [3.2e-7, 0.5, 12.0, 0.0, -4.0, f64::NAN, f64::INFINITY];
        let range = log_axis_range(data).unwrap();
        assert_eq!(range, 1e-7..100.0);
        for value in [3.2e-7, 0.5, 12.0] {
            assert!(range.contains(&value), "{value} outside {range:?}");
        }
        // One value, a power of ten: one decade.
        assert_eq!(log_axis_range([1.0]).unwrap(), 1.0..10.0);
        assert_eq!(log_axis_range([0.02, 0.05]).unwrap(), 0.01..0.1);
        // Below the normal floats: the range starts at the data.
        let tiny = 5e-324;
        let range = log_axis_range([tiny, 1.0]).unwrap();
        assert!(range.start > 0.0 && range.start <= tiny && range.end == 1.0, "{range:?}");
        let huge = f64::MAX;
        assert_eq!(log_axis_range([1.0, huge]).unwrap(), 1.0..huge);
        assert_eq!(log_axis_range([0.0, -1.0, f64::NAN]), None);
    }

    #[test]
    fn padded_ranges_hold_the_values() {
        assert_eq!(padded_range([1.0, 3.0], 0.0..1.0), 0.9..3.1);
        assert_eq!(padded_range([2.0], 0.0..1.0), 1.5..2.5);
        assert_eq!(padded_range([f64::NAN], 0.0..1.0), 0.0..1.0);
        assert_eq!(count_range([3, 1, 7]), 1.0..7.0);
        assert_eq!(count_range([4]), 3.0..5.0);
    }

    #[test]
    fn geometric_means_per_run_of_equal_x() {
        let points = [(1.0, 1e-4), (1.0, 1e-2), (2.0, 8.0), (2.0, 2.0), (2.0, 0.5), (3.0, 3.0)];
        let means = geometric_means(&points);
        assert_eq!(means.len(), 3);
        assert_eq!(means[0].0, 1.0);
        assert!((means[0].1 - 1e-3).abs() < 1e-15, "{means:?}");
        assert!((means[1].1 - 2.0).abs() < 1e-14, "{means:?}");
        assert!((means[2].1 - 3.0).abs() < 1e-14, "{means:?}");
        assert!(geometric_means(&[]).is_empty());
    }
}
