//! Drawing a [`Figure`] with plotters into SVG text or PNG bytes.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::figure::{Figure, Panel, Scale};
use super::{ChartError, ImageFormat};
use crate::font::{register_font, FONT};

/// Line colours, in series order (Tableau 10: distinguishable, and readable in grey).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// A series with at most this many points gets a marker on each.
const MAX_MARKED_POINTS: usize = 40;

/// A series with more points than this is drawn with a thin line.
const MAX_THICK_POINTS: usize = 300;

/// Text sizes in pixels: the figure's title, a panel's title, axis names, tick labels and the
/// legend.
const TITLE_SIZE: u32 = 26;
const PANEL_TITLE_SIZE: u32 = 22;
const AXIS_NAME_SIZE: u32 = 17;
const TICK_SIZE: u32 = 14;
const LEGEND_SIZE: u32 = 15;

/// `figure` as an image file's bytes.
pub(super) fn render(figure: &Figure, format: ImageFormat) -> Result<Vec<u8>, ChartError> {
    register_font();
    let size = (figure.width, figure.height);
    match format {
        ImageFormat::Svg => {
            let mut text = String::new();
            draw(SVGBackend::with_string(&mut text, size).into_drawing_area(), figure)
                .map_err(|err| ChartError::Draw(Box::new(err)))?;
            Ok(text.into_bytes())
        }
        ImageFormat::Png => {
            let mut pixels = vec![255_u8; figure.width as usize * figure.height as usize * 3];
            draw(BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area(), figure)
                .map_err(|err| ChartError::Draw(Box::new(err)))?;
            crate::image::encode_png(&pixels, figure.width, figure.height).map_err(ChartError::Png)
        }
    }
}

/// Draws `figure`'s panels stacked top to bottom on `root`, under its title.
fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    figure: &Figure,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let body = match &figure.title {
        Some(title) => root.titled(title, (FONT, TITLE_SIZE).into_font())?,
        None => root.clone(),
    };
    for (area, panel) in body.split_evenly((figure.panels.len(), 1)).iter().zip(&figure.panels) {
        draw_panel(area, panel)?;
    }
    root.present()
}

/// Draws one panel: its chart on the left, its legend on the right, outside the data.
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let longest = panel.series.iter().map(|series| series.name.chars().count()).max();
    let legend_width = 56 + 9 * longest.unwrap_or(0) as u32;
    let (width, _) = area.dim_in_pixel();
    let (plot, legend) = area.split_horizontally(width.saturating_sub(legend_width));
    let mut builder = ChartBuilder::on(&plot);
    builder
        .caption(&panel.title, (FONT, PANEL_TITLE_SIZE).into_font())
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(78);
    let x_range = panel.x_range.clone();
    let y_range = panel.y_range.clone();
    // The two scales give two chart types; the drawing is the same.
    macro_rules! draw_chart {
        ($chart:ident, $y_format:expr) => {{
            $chart
                .configure_mesh()
                .x_desc(panel.x_label)
                .y_desc(panel.y_label)
                .axis_desc_style((FONT, AXIS_NAME_SIZE).into_font())
                .label_style((FONT, TICK_SIZE).into_font())
                .x_label_formatter(&|x| integer_label(*x))
                .y_label_formatter(&$y_format)
                .light_line_style(RGBColor(244, 244, 244))
                .bold_line_style(RGBColor(215, 215, 215))
                .draw()?;
            for (idx, series) in panel.series.iter().enumerate() {
                let color = PALETTE[idx % PALETTE.len()];
                let points = series.points.iter().copied();
                let width = if series.points.len() > MAX_THICK_POINTS { 1 } else { 2 };
                $chart.draw_series(LineSeries::new(points, color.stroke_width(width)))?;
                if series.points.len() <= MAX_MARKED_POINTS {
                    let marks =
                        series.points.iter().map(|&point| Circle::new(point, 3, color.filled()));
                    $chart.draw_series(marks)?;
                }
            }
        }};
    }
    match panel.scale {
        Scale::Linear => {
            let mut chart = builder.build_cartesian_2d(x_range, y_range)?;
            draw_chart!(chart, |y: &f64| linear_label(*y));
        }
        Scale::Log => {
            let mut chart = builder.build_cartesian_2d(x_range, y_range.log_scale())?;
            draw_chart!(chart, |y: &f64| format!("{y:.0e}"));
        }
    }
    draw_legend(&legend, panel)
}

/// The legend: a short line in each series' colour and its name, from the top of the panel's
/// plotting area down.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let top = 12 + PANEL_TITLE_SIZE as i32 + 24;
    let style = TextStyle::from((FONT, LEGEND_SIZE).into_font()).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ),
    );
    for (idx, series) in panel.series.iter().enumerate() {
        let color = PALETTE[idx % PALETTE.len()];
        let y = top + 24 * idx as i32;
        area.draw(&PathElement::new(vec![(4, y), (34, y)], color.stroke_width(3)))?;
        area.draw(&Text::new(series.name.clone(), (42, y), style.clone()))?;
    }
    Ok(())
}

/// An epoch or step tick: whole numbers only (no `2.5` epoch).
fn integer_label(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        String::new()
    }
}

/// A linear tick: at most four decimals, without trailing zeros.
fn linear_label(y: f64) -> String {
    let text = format!("{y:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" => "0".to_owned(),
        text => text.to_owned(),
    }
}
