//! Charts checked for size, format, content and that they are not blank.

use super::figure::{history_figure, layer_figure, Scale};
use super::*;

/// A classifier's history with a validation split: three epochs.
const CLASSIFIER_HISTORY: &str = "\
epoch,loss,val_loss,accuracy,val_accuracy,learning_rate,seconds,mse,val_mse,r2,val_r2
1,1.0,1.25,0.5,0.25,0.01,0.5,,,,
2,0.5,0.75,0.75,0.5,0.01,1.0,,,,
3,0.25,0.5,1.0,0.75,0.01,1.5,,,,
";

/// A regressor's history without a validation split.
const REGRESSOR_HISTORY: &str = "\
epoch,loss,val_loss,accuracy,val_accuracy,learning_rate,seconds,mse,val_mse,r2,val_r2
1,2.0,,,,0.01,0.5,4.0,,-0.5,
2,1.0,,,,0.01,1.0,2.0,,0.25,
3,0.5,,,,0.01,1.5,1.0,,0.75,
";

/// Three layers over two steps; one non-positive gradient norm.
const LAYER_LOG: &str = "\
epoch,step,layer,grad_norm,grad_max_abs,weight_norm,update_ratio,saturated_fraction,dead_fraction
1,1,1,2e-5,1e-5,1.0,1e-6,0.0,
1,1,2,3e-3,1e-3,1.0,1e-4,0.0,
1,1,3,0.5,0.25,1.0,1e-2,,
1,2,1,0.0,0.0,1.0,1e-6,0.0,
1,2,2,4e-3,1e-3,1.0,1e-4,0.0,
1,2,3,0.25,0.125,1.0,1e-2,,
";

fn history(text: &str) -> History {
    History::from_reader(text.as_bytes(), "history.csv").unwrap()
}

fn layer_log() -> LayerLog {
    LayerLog::from_reader(LAYER_LOG.as_bytes(), "layers.csv").unwrap()
}

fn svg_text(chart: &Chart) -> String {
    assert_eq!(chart.format(), ImageFormat::Svg);
    String::from_utf8(chart.bytes().to_vec()).unwrap()
}

/// The texts of the SVG's `<text>` elements.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .map(|element| {
            let body = &element[element.find('>').unwrap() + 1..element.find("</text>").unwrap()];
            body.trim().to_owned()
        })
        .collect()
}

/// Width and height from a PNG's IHDR chunk, read from the bytes.
fn png_header_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "first chunk");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

/// Decoded RGB pixels of a PNG.
fn png_pixels(bytes: &[u8]) -> Vec<[u8; 3]> {
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buffer[..info.buffer_size()].chunks(3).map(|rgb| [rgb[0], rgb[1], rgb[2]]).collect()
}

#[test]
fn a_png_history_has_the_size_asked_and_is_not_blank() {
    let options = ChartOptions { width: 640, height: Some(700), title: Some("run".into()) };
    let chart = history_chart(&history(CLASSIFIER_HISTORY), ImageFormat::Png, &options).unwrap();
    assert_eq!(chart.size(), (640, 700));
    assert_eq!(png_header_size(chart.bytes()), (640, 700));
    let pixels = png_pixels(chart.bytes());
    assert_eq!(pixels.len(), 640 * 700);
    let white = pixels.iter().filter(|&&pixel| pixel == [255, 255, 255]).count();
    let non_white = pixels.len() - white;
    assert!(non_white > pixels.len() / 100, "only {non_white} pixels are not white");
    // The first two line colours (training, validation) are drawn.
    for colour in [[31, 119, 180], [255, 127, 14]] {
        let n = pixels.iter().filter(|&&pixel| pixel == colour).count();
        assert!(n > 100, "{n} pixels of {colour:?}");
    }
}

#[test]
fn the_default_sizes_are_800_wide() {
    let options = ChartOptions::default();
    let two_panels = history_chart(&history(CLASSIFIER_HISTORY), ImageFormat::Png, &options);
    assert_eq!(png_header_size(two_panels.unwrap().bytes()), (800, 840));
    let layers = layer_chart(
        &layer_log(),
        LayerMetric::GradNorm,
        LayerXAxis::Auto,
        ImageFormat::Png,
        &options,
    );
    assert_eq!(png_header_size(layers.unwrap().bytes()), (800, 500));
}

#[test]
fn an_svg_layer_chart_names_its_axes_and_layers() {
    let options = ChartOptions { title: Some("Deep & narrow".into()), ..ChartOptions::default() };
    let chart = layer_chart(
        &layer_log(),
        LayerMetric::GradNorm,
        LayerXAxis::Auto,
        ImageFormat::Svg,
        &options,
    )
    .unwrap();
    let svg = svg_text(&chart);
    assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
    assert!(svg.contains(r#"width="800" height="500""#), "{}", &svg[..100]);
    assert!(svg.trim_end().ends_with("</svg>"));
    let texts = svg_texts(&svg);
    for expected in [
        "Deep &amp; narrow",
        "Gradient norm per layer",
        "gradient norm (log scale)",
        "step",
        "layer 1",
        "layer 2",
        "layer 3 (output)",
    ] {
        assert!(texts.iter().any(|text| text == expected), "no text {expected:?} in {texts:?}");
    }
    // Tick labels of the log axis, in whole decades from 1e-5 to 1e0.
    for tick in ["1e-5", "1e-3", "1e0"] {
        assert!(texts.iter().any(|text| text == tick), "no tick {tick:?} in {texts:?}");
    }
    assert_eq!(chart.n_skipped(), 1, "the 0.0 gradient norm is left out");
}

#[test]
fn the_update_ratio_chart_reads_its_column() {
    let figure = layer_figure(
        &layer_log(),
        LayerMetric::UpdateRatio,
        LayerXAxis::Step,
        &ChartOptions::default(),
    )
    .unwrap();
    let panel = &figure.panels[0];
    assert_eq!(panel.title, "Update ratio per layer");
    assert_eq!(panel.scale, Scale::Log);
    assert_eq!(panel.series[0].points, [(1.0, 1e-6), (2.0, 1e-6)]);
    assert_eq!(panel.series[2].points, [(1.0, 1e-2), (2.0, 1e-2)]);
    // 1e-2 is a power of ten: the axis ends there.
    assert_eq!(panel.y_range, 1e-6..1e-2);
    assert_eq!(figure.n_skipped, 0);
}

#[test]
fn the_layer_chart_leaves_out_values_a_log_axis_cannot_show() {
    let figure = layer_figure(
        &layer_log(),
        LayerMetric::GradNorm,
        LayerXAxis::Step,
        &ChartOptions::default(),
    )
    .unwrap();
    let panel = &figure.panels[0];
    let names: Vec<&str> = panel.series.iter().map(|series| series.name.as_str()).collect();
    assert_eq!(names, ["layer 1", "layer 2", "layer 3 (output)"]);
    assert_eq!(panel.series[0].points, [(1.0, 2e-5)]);
    assert_eq!(panel.series[1].points, [(1.0, 3e-3), (2.0, 4e-3)]);
    assert_eq!(panel.x_label, "step");
    assert_eq!(panel.x_range, 1.0..2.0);
    // The axis covers every value drawn.
    for series in &panel.series {
        for &(_, value) in &series.points {
            assert!(panel.y_range.contains(&value), "{value} outside {:?}", panel.y_range);
        }
    }
    assert_eq!(figure.n_skipped, 1);
}

#[test]
fn per_epoch_the_layer_chart_draws_geometric_means() {
    let figure = layer_figure(
        &layer_log(),
        LayerMetric::GradNorm,
        LayerXAxis::Epoch,
        &ChartOptions::default(),
    )
    .unwrap();
    let panel = &figure.panels[0];
    assert_eq!(panel.x_label, "epoch");
    // √(3e-3 × 4e-3) and √(0.5 × 0.25).
    let (x, mean) = panel.series[1].points[0];
    assert_eq!(x, 1.0);
    assert!((mean - (3e-3_f64 * 4e-3).sqrt()).abs() < 1e-15, "{mean}");
    let (_, mean) = panel.series[2].points[0];
    assert!((mean - 0.125_f64.sqrt()).abs() < 1e-15, "{mean}");
    // Layer 1's zero is left out of its mean.
    assert_eq!(panel.series[0].points, [(1.0, 2e-5)]);
}

#[test]
fn a_history_with_validation_gets_two_lines_per_panel() {
    let figure = history_figure(&history(CLASSIFIER_HISTORY), &ChartOptions::default()).unwrap();
    let [loss, accuracy] = &figure.panels[..] else { panic!("{} panels", figure.panels.len()) };
    assert_eq!(loss.title, "Loss per epoch");
    assert_eq!(loss.series.len(), 2);
    assert_eq!(loss.series[0].name, "training");
    assert_eq!(loss.series[0].points, [(1.0, 1.0), (2.0, 0.5), (3.0, 0.25)]);
    assert_eq!(loss.series[1].name, "validation");
    assert_eq!(loss.series[1].points, [(1.0, 1.25), (2.0, 0.75), (3.0, 0.5)]);
    assert_eq!(accuracy.title, "Accuracy per epoch");
    assert_eq!(accuracy.series[1].points, [(1.0, 0.25), (2.0, 0.5), (3.0, 0.75)]);
    assert_eq!(accuracy.x_label, "epoch");

    let svg = svg_text(
        &history_chart(&history(CLASSIFIER_HISTORY), ImageFormat::Svg, &ChartOptions::default())
            .unwrap(),
    );
    let texts = svg_texts(&svg);
    for expected in ["Loss per epoch", "Accuracy per epoch", "loss", "accuracy", "epoch"] {
        assert!(texts.iter().any(|text| text == expected), "no text {expected:?}");
    }
    // Training and validation in the legend of each panel.
    assert_eq!(texts.iter().filter(|text| *text == "training").count(), 2);
    assert_eq!(texts.iter().filter(|text| *text == "validation").count(), 2);
}

#[test]
fn a_regression_history_plots_r2_and_one_loss_line() {
    let figure = history_figure(&history(REGRESSOR_HISTORY), &ChartOptions::default()).unwrap();
    let [loss, r2] = &figure.panels[..] else { panic!("{} panels", figure.panels.len()) };
    assert_eq!(loss.series.len(), 1, "no validation loss");
    assert_eq!(r2.title, "R² per epoch");
    assert_eq!(r2.y_label, "R²");
    assert_eq!(r2.series.len(), 1);
    assert_eq!(r2.series[0].points, [(1.0, -0.5), (2.0, 0.25), (3.0, 0.75)]);
    assert!(r2.y_range.start <= -0.5 && r2.y_range.end >= 1.0, "{:?}", r2.y_range);
    let svg = svg_text(
        &history_chart(&history(REGRESSOR_HISTORY), ImageFormat::Svg, &ChartOptions::default())
            .unwrap(),
    );
    assert!(svg_texts(&svg).iter().any(|text| text == "R² per epoch"));
}

#[test]
fn a_history_with_neither_accuracy_nor_r2_has_one_panel() {
    let text = "epoch,loss,learning_rate,seconds\n1,0.5,0.1,1.0\n2,0.25,0.1,2.0\n";
    let figure = history_figure(&history(text), &ChartOptions::default()).unwrap();
    assert_eq!(figure.panels.len(), 1);
    assert_eq!(figure.height, 500);
}

#[test]
fn sizes_out_of_range_are_errors() {
    let options = ChartOptions { width: 100, ..ChartOptions::default() };
    let err = history_chart(&history(CLASSIFIER_HISTORY), ImageFormat::Png, &options).unwrap_err();
    assert!(matches!(err, ChartError::Size { width: 100, height: 840 }), "{err}");
}

#[test]
fn a_log_without_positive_values_is_an_error() {
    let text =
        "epoch,step,layer,grad_norm,grad_max_abs,weight_norm,update_ratio\n1,1,1,0.0,0.0,1.0,0.0\n";
    let log = LayerLog::from_reader(text.as_bytes(), "l.csv").unwrap();
    let err = layer_chart(
        &log,
        LayerMetric::GradNorm,
        LayerXAxis::Auto,
        ImageFormat::Svg,
        &ChartOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "no grad_norm value above zero: a log scale cannot show any");
}

#[test]
fn bad_logs_are_errors_that_point() {
    let read = |text: &str| LayerLog::from_reader(text.as_bytes(), "l.csv").unwrap_err();
    let header = "epoch,step,layer,grad_norm,grad_max_abs,weight_norm,update_ratio\n";

    let err = read(&format!("{header}1,1,1,0.5,0.5,1.0,1e-3\n1,2,1,abc,0.5,1.0,1e-3\n"));
    assert_eq!((err.line(), err.column()), (Some(3), Some(4)));
    assert_eq!(
        err.to_string(),
        "l.csv: line 3, column 4: \"abc\" in column grad_norm is not a number"
    );

    let err = read(&format!("{header}1,1,0,0.5,0.5,1.0,1e-3\n"));
    assert_eq!(
        err.to_string(),
        "l.csv: line 2, column 3: \"0\" in column layer is not a whole number ≥ 1"
    );

    let err = read(&format!("{header}1,1,1,,0.5,1.0,1e-3\n"));
    assert_eq!(
        err.to_string(),
        "l.csv: line 2, column 4: column grad_norm is empty; it always has a value"
    );

    let err = read(&format!("{header}1,1,1,0.5\n"));
    assert_eq!(err.to_string(), "l.csv: line 2: 4 fields where the header has 7");

    let err = read("epoch,loss,learning_rate,seconds\n1,0.5,0.1,1.0\n");
    assert_eq!(
        err.to_string(),
        "l.csv: line 1: no column \"step\" in the header: not a layer log file"
    );

    assert_eq!(read(header).to_string(), "l.csv: the log has no rows: nothing to plot");
    assert_eq!(read("").to_string(), "l.csv: the log has no rows: nothing to plot");

    let err = LayerLog::from_reader(&b"epoch,step\n1,\xff\n"[..], "l.csv").unwrap_err();
    assert_eq!((err.line(), err.column()), (Some(2), Some(2)));
    assert!(matches!(err.kind(), LogErrorKind::NotUtf8));

    let err = History::read("/nonexistent/h.csv").unwrap_err();
    assert!(matches!(err.kind(), LogErrorKind::Io(_)), "{err}");
    assert!(err.to_string().starts_with("/nonexistent/h.csv: cannot read it: "), "{err}");
}

#[test]
fn history_cells_read_back_exactly() {
    let history = history(REGRESSOR_HISTORY);
    assert_eq!(history.epochs.len(), 3);
    let second = &history.epochs[1];
    assert_eq!((second.epoch, second.loss, second.mse, second.r2), (2, 1.0, Some(2.0), Some(0.25)));
    assert_eq!((second.val_loss, second.accuracy, second.val_r2), (None, None, None));
    assert_eq!((second.learning_rate, second.seconds), (0.01, 1.0));
}

#[test]
fn image_formats_come_from_extensions() {
    assert_eq!(ImageFormat::from_path("a/b.png"), Some(ImageFormat::Png));
    assert_eq!(ImageFormat::from_path("b.Svg"), Some(ImageFormat::Svg));
    assert_eq!(ImageFormat::from_path("b.svg.gz"), None);
    assert_eq!(ImageFormat::from_path("png"), None);
}
