//! `mlp plot`: a chart of a training run from one of its logs, written as PNG or SVG by the
//! output's extension. The reading and drawing are `mlp_plot::chart`'s; this wires the flags.

use mlp_plot::chart::{
    history_chart, layer_chart, ChartOptions, History, ImageFormat, LayerLog, LayerMetric,
    LayerXAxis,
};

use crate::clash::{check_outputs, Named};
use crate::cli::{PlotArgs, PlotMetricArg, PlotXArg};
use crate::common::{check_output_path, create_output, output_error};
use crate::output::{stderr_line, Verbosity};

/// Runs `mlp plot`.
pub(crate) fn run(args: &PlotArgs, verbosity: Verbosity) -> anyhow::Result<()> {
    // clap requires one of the two.
    let (flag, path) = match (&args.history, &args.layer_log) {
        (Some(path), _) => ("--history", path),
        (None, Some(path)) => ("--layer-log", path),
        (None, None) => anyhow::bail!("give --history or --layer-log"),
    };
    check_outputs(&[Named::new(flag, path)], &[Named::new("--output", &args.output)])?;
    check_output_path(&args.output, "chart")?;
    // The parser accepted only .png and .svg names.
    let format = ImageFormat::from_path(&args.output).unwrap_or(ImageFormat::Png);
    let options =
        ChartOptions { width: args.width, height: args.height, title: args.title.clone() };
    // Options without clap defaults, so that clap can refuse them without --layer-log.
    let metric = match args.metric.unwrap_or(PlotMetricArg::GradNorm) {
        PlotMetricArg::GradNorm => LayerMetric::GradNorm,
        PlotMetricArg::UpdateRatio => LayerMetric::UpdateRatio,
    };
    let x_axis = match args.x_axis.unwrap_or(PlotXArg::Auto) {
        PlotXArg::Auto => LayerXAxis::Auto,
        PlotXArg::Step => LayerXAxis::Step,
        PlotXArg::Epoch => LayerXAxis::Epoch,
    };
    let (chart, what) = match args.history.is_some() {
        true => (history_chart(&History::read(path)?, format, &options), "values"),
        false => {
            (layer_chart(&LayerLog::read(path)?, metric, x_axis, format, &options), metric.column())
        }
    };
    let chart = chart.map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))?;
    create_output(&args.output, "chart")?
        .write_all_and_commit(chart.bytes())
        .map_err(|err| output_error(err, "chart"))?;
    if verbosity != Verbosity::Quiet {
        if chart.n_skipped() > 0 {
            stderr_line(format_args!(
                "note: {} {what} left out of the chart: NaN, infinite, or ≤ 0 on a log scale",
                chart.n_skipped(),
            ));
        }
        let (width, height) = chart.size();
        stderr_line(format_args!(
            "wrote {} ({width} × {height} {})",
            args.output.display(),
            format.extension().to_ascii_uppercase()
        ));
    }
    Ok(())
}
