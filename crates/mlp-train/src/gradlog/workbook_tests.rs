//! A training run's workbook read back: its sheets equal the CSV logs of the same run cell for
//! cell, the `grad norms` sheet the layer log's norms, and the charts draw the right ranges.

use std::path::Path;

use calamine::Data;
use mlp_core::{Activation, Architecture, Loss, Network};
use nalgebra::DMatrix;
use tracing_subscriber::prelude::*;

use super::test_support::{assert_cells_equal_csv, read_sheets, SharedBuffer};
use super::{GradientCsvLayer, HistoryCsvLayer, LayerSummaryCsvLayer, RunValue, RunWorkbook};
use crate::{Dataset, MetricsKind, TrainConfig};

/// The entry `name` of the zip archive at `path`, if it has one.
fn zip_entry(path: &Path, name: &str) -> Option<String> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut entry = archive.by_name(name).ok()?;
    let mut text = String::new();
    entry.read_to_string(&mut text).unwrap();
    Some(text)
}

/// The CSV logs and the workbook of one run of `epochs` epochs of a 4-5-3 network
/// (classification) or 4-5-1 (regression) on 60 samples, 15 more for validation.
struct Run {
    dir: tempfile::TempDir,
    gradients: String,
    layers: String,
    history: String,
}

impl Run {
    fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("run.xlsx")
    }
}

fn train_run(classification: bool, epochs: usize) -> Run {
    let n_outputs = if classification { 3 } else { 1 };
    let architecture = Architecture {
        sizes: vec![4, 5, n_outputs],
        hidden_activation: Activation::Tanh,
        output_activation: if classification { Activation::Softmax } else { Activation::Identity },
        bias: true,
        loss: if classification { Loss::CrossEntropy } else { Loss::MeanSquared },
    };
    let mut network = Network::<f64>::initialized(&architecture, None, 3).unwrap();
    let data = |n_samples: usize, offset: usize| {
        let inputs = DMatrix::from_fn(4, n_samples, |i, j| {
            (((i * 7 + (j + offset) * 3) % 11) as f64 / 11.0) - 0.4
        });
        let targets = match classification {
            true => {
                DMatrix::from_fn(3, n_samples, |i, j| f64::from(u8::from((j + offset) % 3 == i)))
            }
            false => DMatrix::from_fn(1, n_samples, |_, j| inputs[(0, j)] - 0.5 * inputs[(2, j)]),
        };
        Dataset::numbered(inputs, targets).unwrap()
    };
    let (train, validation) = (data(60, 0), data(15, 60));
    let dir = tempfile::tempdir().unwrap();
    let (workbook, layers) = RunWorkbook::with_file(dir.path().join("run.xlsx")).unwrap();
    let guards = [
        layers.gradients.flush_on_drop(),
        layers.layer_summary.flush_on_drop(),
        layers.history.flush_on_drop(),
    ];
    let buffers = [SharedBuffer::default(), SharedBuffer::default(), SharedBuffer::default()];
    let csv_layers = (
        GradientCsvLayer::new(buffers[0].clone()),
        LayerSummaryCsvLayer::new(buffers[1].clone()),
        HistoryCsvLayer::new(buffers[2].clone()),
    );
    let csv_guards =
        [csv_layers.0.flush_on_drop(), csv_layers.1.flush_on_drop(), csv_layers.2.flush_on_drop()];
    let subscriber = tracing_subscriber::registry()
        .with(layers.gradients)
        .with(layers.layer_summary)
        .with(layers.history)
        .with(csv_layers.0)
        .with(csv_layers.1)
        .with(csv_layers.2);
    let metrics = match classification {
        true => MetricsKind::Classification,
        false => MetricsKind::Regression,
    };
    let config =
        TrainConfig { epochs, batch_size: 16, metrics: Some(metrics), ..TrainConfig::default() };
    tracing::subscriber::with_default(subscriber, || {
        crate::train(&mut network, &train, Some(&validation), &config).unwrap();
    });
    workbook.add_run_row("optimizer", "sgd");
    workbook.add_run_json(
        "settings",
        &serde_json::json!({"hidden": [5], "l2": 0.0, "seed": 3, "shuffle": true, "test": null}),
    );
    assert_eq!(std::fs::metadata(dir.path().join("run.xlsx")).unwrap().len(), 0);
    let guard = workbook.flush_on_drop();
    guard.finish().unwrap();
    csv_guards.iter().for_each(|guard| guard.flush().unwrap());
    let [gradients, layers, history] = buffers.map(|buffer| buffer.text());
    for (guard, csv) in guards.iter().zip([&gradients, &layers, &history]) {
        assert_eq!(guard.rows_written(), csv.lines().count() as u64 - 1);
        guard.finish().unwrap();
    }
    let total = guards.iter().map(|guard| guard.rows_written()).sum::<u64>();
    assert_eq!(guard.rows_written(), total);
    Run { dir, gradients, layers, history }
}

#[test]
fn a_runs_workbook_holds_its_logs_as_the_csv_logs_its_settings_and_three_charts() {
    let run = train_run(true, 3);
    let path = run.path();
    let sheets = read_sheets(&path);
    let names: Vec<&str> = sheets.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["charts", "run", "history", "layers", "grad norms", "gradients"]);
    let sheet = |name: &str| &sheets.iter().find(|(sheet, _)| sheet == name).unwrap().1;
    for (name, csv) in
        [("history", &run.history), ("layers", &run.layers), ("gradients", &run.gradients)]
    {
        let rows = sheet(name);
        assert_cells_equal_csv(rows, csv, &vec![false; rows.len()]);
    }
    // 60 samples in batches of 16: 4 steps an epoch, 12 in all, 2 layers each.
    assert_eq!(sheet("history").len(), 1 + 3);
    assert_eq!(sheet("layers").len(), 1 + 12 * 2);

    // One row per step, each layer's grad_norm in its column, bit for bit.
    let pivot = sheet("grad norms");
    assert_eq!(pivot[0], ["epoch", "step", "layer 1", "layer 2"].map(|h| Data::String(h.into())));
    assert_eq!(pivot.len(), 1 + 12);
    let mut n_checked = 0;
    for line in run.layers.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let (epoch, step, layer) = (fields[0], fields[1], fields[2]);
        let norm: f64 = fields[3].parse().unwrap();
        let row = &pivot[step.parse::<usize>().unwrap()];
        assert_eq!(row[0], Data::Float(epoch.parse().unwrap()));
        assert_eq!(row[1], Data::Float(step.parse().unwrap()));
        let cell = &row[1 + layer.parse::<usize>().unwrap()];
        assert_eq!(cell, &Data::Float(norm), "{line}");
        let Data::Float(value) = cell else { unreachable!() };
        assert_eq!(value.to_bits(), norm.to_bits());
        n_checked += 1;
    }
    assert_eq!(n_checked, 24);

    let text = |text: &str| Data::String(text.into());
    assert_eq!(
        sheet("run"),
        &vec![
            vec![text("setting"), text("value")],
            vec![text("optimizer"), text("sgd")],
            vec![text("settings.hidden"), text("[5]")],
            vec![text("settings.l2"), Data::Float(0.0)],
            vec![text("settings.seed"), Data::Float(3.0)],
            vec![text("settings.shuffle"), Data::Bool(true)],
            vec![text("settings.test"), Data::Empty],
        ]
    );

    // Sheets in order: charts, run, history, layers, grad norms, gradients.
    let charts = zip_entry(&path, "xl/worksheets/sheet1.xml").unwrap();
    assert!(charts.contains("<drawing r:id="), "{charts}");
    assert!(charts.contains(r#"tabSelected="1""#), "the charts open first: {charts}");
    // 60 samples × 43 parameters (4·5 + 5, 5·3 + 3) × 3 epochs.
    assert_eq!(run.gradients.lines().count(), 1 + 7740);
    for (number, last_cell) in [(3, "K4"), (4, "I25"), (5, "D13"), (6, "N7741")] {
        let xml = zip_entry(&path, &format!("xl/worksheets/sheet{number}.xml")).unwrap();
        assert!(xml.contains(r#"state="frozen""#), "sheet {number}");
        assert!(xml.contains(&format!(r#"<autoFilter ref="A1:{last_cell}"/>"#)), "{xml:.3000}");
    }

    let chart = |number: usize| zip_entry(&path, &format!("xl/charts/chart{number}.xml"));
    let loss = chart(1).unwrap();
    for range in ["history!$A$2:$A$4", "history!$B$2:$B$4", "history!$C$2:$C$4"] {
        assert!(loss.contains(range), "{range} in {loss}");
    }
    assert!(loss.contains("Loss per epoch") && loss.contains("val_loss"));
    // The x axis spans the epochs logged, its labels below the plot.
    assert!(loss.contains(r#"<c:max val="3"/><c:min val="1"/>"#), "{loss}");
    assert!(loss.contains(r#"<c:tickLblPos val="low"/>"#), "{loss}");
    let accuracy = chart(2).unwrap();
    for range in ["history!$D$2:$D$4", "history!$E$2:$E$4"] {
        assert!(accuracy.contains(range), "{range} in {accuracy}");
    }
    assert!(accuracy.contains("Accuracy per epoch"));
    let norms = chart(3).unwrap();
    for range in ["'grad norms'!$B$2:$B$13", "'grad norms'!$C$2:$C$13", "'grad norms'!$D$2:$D$13"] {
        assert!(norms.contains(range), "{range} in {norms}");
    }
    assert!(norms.contains(r#"<c:logBase val="10"/>"#), "{norms}");
    assert!(norms.contains(r#"<c:max val="12"/><c:min val="1"/>"#), "{norms}");
    assert!(norms.contains("layer 1") && norms.contains("layer 2"));
    assert!(chart(4).is_none());
}

/// A regression's second chart is R² (training and validation), not accuracy.
#[test]
fn a_regressions_workbook_charts_r2() {
    let run = train_run(false, 2);
    let path = run.path();
    let metric = zip_entry(&path, "xl/charts/chart2.xml").unwrap();
    assert!(metric.contains("R² per epoch"), "{metric}");
    for range in ["history!$J$2:$J$3", "history!$K$2:$K$3"] {
        assert!(metric.contains(range), "{range} in {metric}");
    }
    assert!(!metric.contains("$D$2"), "no accuracy: {metric}");
    assert!(zip_entry(&path, "xl/charts/chart3.xml").unwrap().contains("'grad norms'!$C$2:$C$9"));
}

/// A workbook without events: every sheet with its header, no chart, and a note saying why.
#[test]
fn an_empty_runs_workbook_has_its_sheets_and_says_it_has_no_charts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.xlsx");
    let (workbook, _layers) = RunWorkbook::with_file(&path).unwrap();
    workbook.add_run_row("epochs", RunValue::from(0_usize));
    workbook.flush_on_drop().finish().unwrap();
    let sheets = read_sheets(&path);
    assert_eq!(sheets.len(), 6);
    assert_eq!(
        sheets[0].1[0][0],
        Data::String("No charts: the run logged no epoch and no step.".into())
    );
    assert_eq!(sheets[4].1[0], [Data::String("epoch".into()), Data::String("step".into())]);
    assert_eq!(sheets[5].1[0].len(), 14);
    assert!(zip_entry(&path, "xl/charts/chart1.xml").is_none());
}
