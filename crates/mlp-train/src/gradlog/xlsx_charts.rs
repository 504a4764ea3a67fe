//! The charts of a [`RunWorkbook`](super::RunWorkbook), native to the workbook: drawn by the
//! spreadsheet from the `history` and `grad norms` sheets' cells.

use rust_xlsxwriter::{
    Chart, ChartAxisLabelPosition, ChartLegendPosition, ChartType, Workbook, XlsxError,
};

use super::xlsx_book::SheetLog;
use super::xlsx_pivot::PIVOT_SHEET;

/// A chart's size in pixels.
const WIDTH: u32 = 800;
const HEIGHT: u32 = 400;
/// The rows a chart takes on the sheet, with a row between charts (20 pixels a row).
const ROWS_PER_CHART: u32 = HEIGHT / 20 + 1;
/// Up to this many points, a series shows a marker at each.
const MARKERS_UP_TO: u32 = 40;

/// One line of a chart: its name and the column holding its values.
struct Series {
    name: String,
    column_idx: u16,
}

/// What a chart draws: `series` against column `x_idx` of rows 1 to `n_rows` of `sheet`.
struct ChartData<'a> {
    title: &'a str,
    x_name: &'a str,
    y_name: &'a str,
    sheet: &'a str,
    n_rows: u32,
    x_idx: u16,
    series: Vec<Series>,
    /// The first and the last x: the x axis's range.
    x_range: Option<(f64, f64)>,
    log_scale: bool,
}

/// Draws on sheet `charts_idx` the loss and accuracy (or R²) per epoch from `history`, and
/// each layer's gradient norm per step from `layers`' pivot: the charts whose data the logs
/// hold.
pub(super) fn draw(
    workbook: &mut Workbook,
    charts_idx: usize,
    history: &SheetLog,
    layers: &SheetLog,
) -> Result<(), XlsxError> {
    let mut charts = Vec::new();
    let (history_sheet, n_epochs) = history.sheets.first_sheet();
    let filled = |names: &[&str]| -> Vec<Series> {
        names
            .iter()
            .filter_map(|&name| {
                let column_idx =
                    history.column(name).filter(|&idx| history.filled.get(idx) == Some(&true))?;
                Some(Series { name: name.to_owned(), column_idx: column_idx as u16 })
            })
            .collect()
    };
    let epoch_idx = history.column("epoch").unwrap_or(0);
    let epochs = history.bounds.get(epoch_idx).copied().flatten();
    let epoch_idx = epoch_idx as u16;
    let per_epoch = |title, y_name, series| ChartData {
        title,
        x_name: "epoch",
        y_name,
        sheet: &history_sheet,
        n_rows: n_epochs,
        x_idx: epoch_idx,
        series,
        x_range: epochs,
        log_scale: false,
    };
    if n_epochs > 0 {
        let loss = filled(&["loss", "val_loss"]);
        if !loss.is_empty() {
            charts.push(chart(&per_epoch("Loss per epoch", "loss", loss)));
        }
        let accuracy = filled(&["accuracy", "val_accuracy"]);
        let r2 = filled(&["r2", "val_r2"]);
        if !accuracy.is_empty() {
            let mut accuracy = chart(&per_epoch("Accuracy per epoch", "accuracy", accuracy));
            accuracy.y_axis().set_max(1.0);
            charts.push(accuracy);
        } else if !r2.is_empty() {
            charts.push(chart(&per_epoch("R² per epoch", "R²", r2)));
        }
    }
    if let Some(pivot) = &layers.pivot {
        let (n_steps, n_layers) = pivot.shape();
        if n_steps > 0 && n_layers > 0 {
            let series = (0..n_layers)
                .map(|layer_idx| Series {
                    name: format!("layer {}", layer_idx + 1),
                    column_idx: 2 + layer_idx as u16,
                })
                .collect();
            charts.push(chart(&ChartData {
                title: "Gradient norm per layer",
                x_name: "step",
                y_name: "gradient norm (log scale)",
                sheet: PIVOT_SHEET,
                n_rows: n_steps,
                x_idx: 1,
                series,
                x_range: pivot.steps(),
                log_scale: true,
            }));
        }
    }
    let sheet = workbook.worksheet_from_index(charts_idx)?;
    if charts.is_empty() {
        sheet.write_string(0, 0, "No charts: the run logged no epoch and no step.")?;
    } else {
        sheet.write_string(
            0,
            0,
            "Drawn from the sheets history and grad norms (the layers sheet's grad_norm, one \
             column per layer).",
        )?;
    }
    for (chart_idx, chart) in charts.iter().enumerate() {
        sheet.insert_chart(1 + chart_idx as u32 * ROWS_PER_CHART, 0, chart)?;
    }
    Ok(())
}

/// A scatter chart with straight lines of `data`, its legend below.
fn chart(data: &ChartData<'_>) -> Chart {
    let chart_type = match data.n_rows <= MARKERS_UP_TO {
        true => ChartType::ScatterStraightWithMarkers,
        false => ChartType::ScatterStraight,
    };
    let mut chart = Chart::new(chart_type);
    chart.set_width(WIDTH).set_height(HEIGHT);
    chart.title().set_name(data.title);
    // The epoch or step labels below the plot, even where the values go below 0 (an R²).
    chart.x_axis().set_name(data.x_name).set_label_position(ChartAxisLabelPosition::Low);
    if let Some((first, last)) = data.x_range {
        chart.x_axis().set_min(first).set_max(last.max(first + 1.0));
    }
    chart.y_axis().set_name(data.y_name);
    if data.log_scale {
        chart.y_axis().set_log_base(10);
    }
    chart.legend().set_position(ChartLegendPosition::Bottom);
    for series in &data.series {
        chart
            .add_series()
            .set_name(series.name.as_str())
            .set_categories((data.sheet, 1, data.x_idx, data.n_rows, data.x_idx))
            .set_values((data.sheet, 1, series.column_idx, data.n_rows, series.column_idx));
    }
    chart
}
