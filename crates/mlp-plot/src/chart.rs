//! Charts of a training run from its logs, as PNG or SVG: the loss and accuracy (or R²) per
//! epoch from the history, and the gradient norm or update ratio per layer over the steps, on
//! a log scale, from the layer summary log.
//!
//! Read the logs with [`History::read`] and [`LayerLog::read`] (or build the records in code),
//! draw them with [`history_chart`] and [`layer_chart`], and write the [`Chart`] with
//! [`Chart::save`] (atomically) or [`Chart::write_to`].
//!
//! Every chart has a title per panel, named axes and a legend beside the plot naming each line;
//! the default size, 800 pixels wide, is readable at a glance. A log axis cannot show values
//! ≤ 0: they are left out and counted ([`Chart::n_skipped`]), as are NaN and infinite values.
//!
//! ```
//! use mlp_plot::chart::{
//!     layer_chart, ChartOptions, ImageFormat, LayerLog, LayerMetric, LayerXAxis,
//! };
//!
//! let text = "epoch,step,layer,grad_norm,grad_max_abs,weight_norm,update_ratio\n\
//!             1,1,1,1e-6,1e-6,1.0,1e-7\n1,1,2,0.5,0.25,1.0,1e-3\n\
//!             1,2,1,2e-6,1e-6,1.0,1e-7\n1,2,2,0.0,0.0,1.0,1e-3\n";
//! let log = LayerLog::from_reader(text.as_bytes(), "layers.csv")?;
//! let (metric, x_axis) = (LayerMetric::GradNorm, LayerXAxis::Step);
//! let chart = layer_chart(&log, metric, x_axis, ImageFormat::Svg, &ChartOptions::default())?;
//! let svg = String::from_utf8(chart.bytes().to_vec()).unwrap();
//! assert!(svg.contains("layer 2 (output)"));
//! assert_eq!(chart.n_skipped(), 1); // the 0.0 gradient norm
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod figure;
mod logs;
mod render;

use std::io::Write;
use std::path::Path;

use mlp_train::events::LayerRecord;
use mlp_train::output_file::{OutputError, OutputFile};

pub use crate::image::ImageFormat;
pub use figure::log_axis_range;
pub use logs::{History, LayerLog, LayerRow, LogError, LogErrorKind};

/// Which column of the layer summary log a [`layer_chart`] draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayerMetric {
    /// `grad_norm`: Frobenius norm of the layer's batch gradient, ‖∂E/∂W‖ with the biases.
    #[default]
    GradNorm,
    /// `update_ratio`: ‖Δparameters‖ / ‖parameters‖ of the step.
    UpdateRatio,
}

impl LayerMetric {
    /// The metric's value in a layer record.
    pub fn value(self, record: &LayerRecord) -> f64 {
        match self {
            LayerMetric::GradNorm => record.grad_norm,
            LayerMetric::UpdateRatio => record.update_ratio,
        }
    }

    /// The log's column: `grad_norm` or `update_ratio`.
    pub const fn column(self) -> &'static str {
        match self {
            LayerMetric::GradNorm => "grad_norm",
            LayerMetric::UpdateRatio => "update_ratio",
        }
    }

    /// The chart's title, before "per layer".
    const fn title(self) -> &'static str {
        match self {
            LayerMetric::GradNorm => "Gradient norm",
            LayerMetric::UpdateRatio => "Update ratio",
        }
    }

    /// The vertical axis' name.
    const fn axis_label(self) -> &'static str {
        match self {
            LayerMetric::GradNorm => "gradient norm (log scale)",
            LayerMetric::UpdateRatio => "|update| / |weights| (log scale)",
        }
    }
}

/// The horizontal axis of a [`layer_chart`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayerXAxis {
    /// [`LayerXAxis::Step`] when the log has at most [`LayerXAxis::MAX_STEPS`] logged steps,
    /// else [`LayerXAxis::Epoch`]: thousands of noisy steps make a solid band.
    #[default]
    Auto,
    /// One point per logged step.
    Step,
    /// One point per epoch: the geometric mean, exp(mean(ln v)), of the epoch's logged values
    /// above zero (the mean a log axis shows as the middle).
    Epoch,
}

impl LayerXAxis {
    /// The most logged steps [`LayerXAxis::Auto`] draws one by one.
    pub const MAX_STEPS: usize = 200;
}

/// The size and title of a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartOptions {
    /// Width in pixels (SVG: user units); at least [`ChartOptions::MIN_SIZE`].
    pub width: u32,
    /// Height in pixels; `None`: 500 for one panel, 840 for the history's two (loss above,
    /// accuracy or R² below).
    pub height: Option<u32>,
    /// A title above the panels (their own titles stay).
    pub title: Option<String>,
}

impl ChartOptions {
    /// The smallest width or height a chart is drawn at, in pixels.
    pub const MIN_SIZE: u32 = 200;
    /// The largest, in pixels: a PNG of 8000 × 8000 is 192 MB of pixels before compression.
    pub const MAX_SIZE: u32 = 8000;
}

impl Default for ChartOptions {
    fn default() -> ChartOptions {
        ChartOptions { width: 800, height: None, title: None }
    }
}

/// A drawn chart: the image file's bytes and what was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    format: ImageFormat,
    width: u32,
    height: u32,
    bytes: Vec<u8>,
    n_skipped: usize,
}

impl Chart {
    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The file's bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Its format.
    pub fn format(&self) -> ImageFormat {
        self.format
    }

    /// Width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Values the chart does not show: NaN and infinities, and values ≤ 0 on a log axis.
    pub fn n_skipped(&self) -> usize {
        self.n_skipped
    }

    /// Writes the file's bytes to `writer`.
    pub fn write_to(&self, mut writer: impl Write) -> std::io::Result<()> {
        writer.write_all(&self.bytes)?;
        writer.flush()
    }

    /// Writes the file at `path` atomically ([`OutputFile`]: a temporary file beside it,
    /// renamed over it once complete).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), OutputError> {
        OutputFile::create(path)?.write_all_and_commit(&self.bytes)
    }
}

/// Why a chart cannot be drawn. Messages include their cause, which is therefore not a
/// `source`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChartError {
    /// The log has no rows.
    #[error("the log has no rows: nothing to plot")]
    NoData,
    /// A log-scale chart whose values are all ≤ 0 (or not finite).
    #[error("no {} value above zero: a log scale cannot show any", metric.column())]
    NothingPositive {
        /// The metric drawn.
        metric: LayerMetric,
    },
    /// Width or height outside [`ChartOptions::MIN_SIZE`]..=[`ChartOptions::MAX_SIZE`].
    #[error(
        "a chart of {width} × {height} pixels: width and height must be {} to {}",
        ChartOptions::MIN_SIZE,
        ChartOptions::MAX_SIZE
    )]
    Size {
        /// The width asked for.
        width: u32,
        /// The height asked for.
        height: u32,
    },
    /// The drawing backend failed.
    #[error("cannot draw the chart: {0}")]
    Draw(Box<dyn std::error::Error + Send + Sync>),
    /// The PNG encoder failed.
    #[error("cannot encode the PNG: {0}")]
    Png(png::EncodingError),
}

/// Checks the size, then draws `figure`.
fn chart(figure: figure::Figure, format: ImageFormat) -> Result<Chart, ChartError> {
    let valid = ChartOptions::MIN_SIZE..=ChartOptions::MAX_SIZE;
    if !valid.contains(&figure.width) || !valid.contains(&figure.height) {
        return Err(ChartError::Size { width: figure.width, height: figure.height });
    }
    Ok(Chart {
        format,
        width: figure.width,
        height: figure.height,
        bytes: render::render(&figure, format)?,
        n_skipped: figure.n_skipped,
    })
}

/// The history as a chart: the training loss per epoch (and the validation loss when the
/// history has one) in a top panel; below it, the accuracy per epoch for a classifier, or R²
/// for a regressor, training and validation — whichever the history has values of (no second
/// panel when it has neither).
pub fn history_chart(
    history: &History,
    format: ImageFormat,
    options: &ChartOptions,
) -> Result<Chart, ChartError> {
    chart(figure::history_figure(history, options)?, format)
}

/// The layer summary log as a chart: `metric` per layer over the optimizer steps, on a log
/// scale, one line per weight layer, named in the legend `layer 1` … `layer N (output)`.
/// `x_axis` chooses steps or epochs along the horizontal axis. Values ≤ 0 are left out
/// ([`Chart::n_skipped`]); none above zero is an error.
pub fn layer_chart(
    log: &LayerLog,
    metric: LayerMetric,
    x_axis: LayerXAxis,
    format: ImageFormat,
    options: &ChartOptions,
) -> Result<Chart, ChartError> {
    chart(figure::layer_figure(log, metric, x_axis, options)?, format)
}

#[cfg(test)]
mod tests;
