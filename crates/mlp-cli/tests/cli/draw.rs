//! `mlp draw`: the tutorial's network with its weights and the sample's gradients as
//! `mlp explain` prints them, PNG and SVG by the extension, a big network shaded without
//! labels, and errors that name the flag or the file.

use serde_json::Value;

use crate::util::{dataset, mlp, mlp_fails, mlp_ok, write};

/// The texts of an SVG's `<text>` elements, unescaped.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|element| {
            let (_, rest) = element.split_once('>')?;
            let (text, _) = rest.split_once("</text>")?;
            Some(text.trim().replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&"))
        })
        .collect()
}

/// The width and height in a PNG's IHDR chunk, after checking the signature, and the number
/// of distinct colours of its pixels.
fn png_size_and_colours(bytes: &[u8]) -> ((u32, u32), usize) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "the PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "the first chunk");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    let mut reader = png::Decoder::new(bytes).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (width, height));
    let step = info.color_type.samples();
    let mut colours: Vec<&[u8]> = pixels[..info.buffer_size()].chunks(step).collect();
    colours.sort_unstable();
    colours.dedup();
    ((width, height), colours.len())
}

/// The tutorial's picture: W1..W8 with the values of datasets/seed/model.json, and each
/// ∂E/∂w of the sample as `mlp explain --format json` computes it, with 8 decimals as explain
/// prints it.
#[test]
fn the_tutorial_drawing_has_its_eight_weights_and_the_samples_gradients() {
    let dir = tempfile::tempdir().unwrap();
    let (model, data) = (dataset("seed/model.json"), dataset("seed/data.csv"));
    let stdout = mlp_ok(dir.path(), &["draw", "--model", &model, "--data", &data, "-o", "net.svg"]);
    assert_eq!(stdout, "");
    let texts = svg_texts(&std::fs::read_to_string(dir.path().join("net.svg")).unwrap());
    let has = |text: &str| texts.iter().any(|t| t == text);

    let file: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let mut k = 0;
    for layer in file["layers"].as_array().unwrap() {
        for row in layer["weights"].as_array().unwrap() {
            for weight in row.as_array().unwrap() {
                k += 1;
                let label = format!("W{k} = {}", weight.as_f64().unwrap());
                assert!(has(&label), "no {label:?} in {texts:?}");
            }
        }
    }
    assert_eq!(k, 8);
    assert!(has("W5 = 0.45") && has("W1 = 0.3"));

    let explained: Value = serde_json::from_str(&mlp_ok(
        dir.path(),
        &["explain", "--model", &model, &data, "--format", "json"],
    ))
    .unwrap();
    let sections = explained["sections"].as_array().unwrap();
    let table = sections.last().unwrap()["blocks"][0]["rows"].as_array().unwrap();
    assert_eq!(table.len(), 8);
    for row in table {
        let label = format!(
            "∂E/∂{} = {:.8}",
            row["param"].as_str().unwrap(),
            row["dE_dw"].as_f64().unwrap()
        );
        assert!(has(&label), "no {label:?} in {texts:?}");
    }
    // The tutorial's own number (docs/tutorial.md, tests/reference/tutorial.py).
    assert!(has("∂E/∂W5 = 0.02592286"));
    // Each neuron's z, a and ∂E/∂z, the legend, and no updated weights without --step.
    assert!(has("z3 = 0.44498412") && has("o1 = 0.60944600") && has("∂E/∂z3 = 0.04985267"));
    assert!(has("∂E/∂w > 0: the step w⁺ = w − η·∂E/∂w lowers w"));
    assert!(!texts.iter().any(|t| t.contains('⁺') && t.starts_with('W')));
}

/// --step shows w⁺ = w − η·∂E/∂w with --learning-rate's η, as `mlp explain` computes it.
#[test]
fn step_shows_the_updated_weights_with_the_learning_rate_explain_uses() {
    let dir = tempfile::tempdir().unwrap();
    let (model, data) = (dataset("seed/model.json"), dataset("seed/data.csv"));
    let rate = ["--learning-rate", "0.1"];
    let draw = ["draw", "--model", &model, "--data", &data, "--step", "-o", "net.svg"];
    mlp_ok(dir.path(), &[&draw[..], &rate[..]].concat());
    let texts = svg_texts(&std::fs::read_to_string(dir.path().join("net.svg")).unwrap());
    let explain = ["explain", "--model", &model, &data, "--format", "json"];
    let explained: Value =
        serde_json::from_str(&mlp_ok(dir.path(), &[&explain[..], &rate[..]].concat())).unwrap();
    let sections = explained["sections"].as_array().unwrap();
    for row in sections.last().unwrap()["blocks"][0]["rows"].as_array().unwrap() {
        let label = format!(
            "{}⁺ = {:.8}",
            row["param"].as_str().unwrap(),
            row["weight_new"].as_f64().unwrap()
        );
        assert!(texts.contains(&label), "no {label:?} in {texts:?}");
    }
    // 0.45 − 0.1 × 0.025922855603647404 (tests/reference/tutorial.py's dE/dW5).
    assert!(texts.contains(&"W5⁺ = 0.44740771".to_owned()));
    assert!(texts.iter().any(|t| t.contains("learning rate η = 0.1")));
}

#[test]
fn a_png_by_the_extension_with_its_size_and_not_blank() {
    let dir = tempfile::tempdir().unwrap();
    let (model, data) = (dataset("seed/model.json"), dataset("seed/data.csv"));
    mlp_ok(dir.path(), &["draw", "--model", &model, "--data", &data, "-o", "net.PNG"]);
    let bytes = std::fs::read(dir.path().join("net.PNG")).unwrap();
    let ((width, height), n_colours) = png_size_and_colours(&bytes);
    assert!((600..2000).contains(&width) && (300..1500).contains(&height), "{width}×{height}");
    assert!(n_colours > 10, "{n_colours} colours: blank");
    assert!(bytes.len() < 150_000, "{} bytes", bytes.len());
    // Without --data: the weights only, a smaller picture.
    mlp_ok(dir.path(), &["draw", "--model", &model, "-o", "plain.png"]);
    let plain = std::fs::read(dir.path().join("plain.png")).unwrap();
    let ((plain_width, plain_height), n_colours) = png_size_and_colours(&plain);
    assert!(plain_width < width && plain_height < height && n_colours > 10);
}

/// A model file of `sizes` (sigmoid, softmax out) with weights sin(j + 2i) / 4, version 1.
fn big_model(sizes: &[usize]) -> String {
    let layers: Vec<Value> = sizes
        .windows(2)
        .enumerate()
        .map(|(layer, pair)| {
            let weights: Vec<Vec<f64>> = (0..pair[1])
                .map(|j| (0..pair[0]).map(|i| ((j + 2 * i + layer) as f64).sin() / 4.0).collect())
                .collect();
            let last = layer + 2 == sizes.len();
            serde_json::json!({
                "activation": if last { "softmax" } else { "sigmoid" },
                "weights": weights,
                "bias": vec![0.1; pair[1]],
            })
        })
        .collect();
    let inputs: Vec<String> = (1..=sizes[0]).map(|i| format!("p{i}")).collect();
    let outputs: Vec<String> = (0..*sizes.last().unwrap()).map(|k| format!("c{k}")).collect();
    serde_json::json!({
        "format": "mlp-model",
        "version": 1,
        "loss": "cross-entropy",
        "layers": layers,
        "inputs": { "names": inputs, "standardizer": null },
        "outputs": { "names": ["digit"], "classes": outputs },
    })
    .to_string()
}

#[test]
fn a_64_32_10_network_is_drawn_without_labels_with_a_scale() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.json", &big_model(&[64, 32, 10]));
    mlp_ok(dir.path(), &["draw", "--model", "big.json", "-o", "big.svg"]);
    let svg = std::fs::read_to_string(dir.path().join("big.svg")).unwrap();
    let texts = svg_texts(&svg);
    assert!(!texts.iter().any(|t| t.starts_with("W1 =")), "{texts:?}");
    assert!(texts.contains(&"edge colour: |w|".to_owned()), "{texts:?}");
    assert!(texts.contains(&"24 drawn: 1–12, …, 53–64".to_owned()), "{texts:?}");
    assert!(svg.matches("<line").count() + svg.matches("<polyline").count() > 24 * 24);
    mlp_ok(dir.path(), &["draw", "--model", "big.json", "-o", "big.png"]);
    let (_, n_colours) = png_size_and_colours(&std::fs::read(dir.path().join("big.png")).unwrap());
    assert!(n_colours > 10);
}

#[test]
fn errors_name_the_flag_or_the_file_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (model, data) = (dataset("seed/model.json"), dataset("seed/data.csv"));
    mlp_fails(
        dir.path(),
        &["draw", "--model", &model, "-o", "net.jpg"],
        &["-o/--output net.jpg", ".svg or .png"],
    );
    mlp_fails(
        dir.path(),
        &["draw", "--model", &model, "--data", &data, "--sample", "2", "-o", "net.svg"],
        &["data.csv: --sample 2: the file has data rows 1 to 1"],
    );
    mlp_fails(dir.path(), &["draw", "--model", &model, "-o", "no/such/net.svg"], &["no/such"]);
    // An output that would replace an input: a model file called model.svg.
    let copy = write(dir.path(), "model.svg", &std::fs::read_to_string(&model).unwrap());
    mlp_fails(
        dir.path(),
        &["draw", "--model", &copy, "-o", "model.svg"],
        &["the drawing (-o)", "would replace the model"],
    );
    mlp_fails(dir.path(), &["draw", "--model", "missing.json", "-o", "net.svg"], &["missing.json"]);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "only model.svg");
    // --step and --sample need --data: usage errors.
    for extra in [&["--step"][..], &["--sample", "1"][..]] {
        let args = [&["draw", "--model", &model, "-o", "net.svg"][..], extra].concat();
        let output = mlp(dir.path(), &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("--data"));
    }
}

/// docs/images/tutorial-network.svg and .png are what the command in docs/tutorial.md draws
/// today, byte for byte.
#[test]
fn the_committed_tutorial_pictures_are_what_the_command_draws() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for extension in ["svg", "png"] {
        let output = dir.path().join(format!("tutorial-network.{extension}"));
        let output = output.display().to_string();
        let args = [
            "draw",
            "--model",
            "datasets/seed/model.json",
            "--data",
            "datasets/seed/data.csv",
            "-o",
            &output,
        ];
        mlp_ok(&root, &args);
        let committed = root.join(format!("docs/images/tutorial-network.{extension}"));
        assert!(
            std::fs::read(&committed).unwrap() == std::fs::read(&output).unwrap(),
            "{} is out of date: run mlp {}",
            committed.display(),
            args[..6].join(" ") + " -o docs/images/tutorial-network." + extension
        );
    }
    let tutorial = std::fs::read_to_string(root.join("docs/tutorial.md")).unwrap();
    assert!(tutorial.contains("](images/tutorial-network.png)"));
}
