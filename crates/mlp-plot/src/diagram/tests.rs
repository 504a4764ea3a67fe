use mlp_core::{Activation, Dense, Loss, Network};
use mlp_train::explain::{explain, ExplainOptions};
use nalgebra::{dmatrix, DMatrix, DVector};

use super::layout::Layout;
use super::*;

/// The tutorial's 2-2-2 network (docs/tutorial.md): W1..W4 into the hidden layer, W5..W8
/// into the outputs, sigmoid, no biases, loss sse.
fn tutorial_network() -> Network<f64> {
    Network::new(
        vec![
            Dense::new(dmatrix![0.30, 0.25; 0.40, 0.35], None, Activation::Sigmoid),
            Dense::new(dmatrix![0.45, 0.40; 0.70, 0.60], None, Activation::Sigmoid),
        ],
        Loss::HalfSumSquared,
    )
    .unwrap()
}

/// The tutorial's sample x = (0.1, 0.2), t = (0.4, 0.6) with η = 0.5, every parameter derived.
fn tutorial_derivation(network: &Network<f64>) -> Derivation {
    let options = ExplainOptions { learning_rate: 0.5, ..ExplainOptions::default() };
    explain(network, &[0.1, 0.2], &[0.4, 0.6], &options).unwrap()
}

fn tutorial_diagram() -> Diagram {
    let network = tutorial_network();
    let derivation = tutorial_derivation(&network);
    Diagram::new(&network).with_sample(&derivation).unwrap()
}

/// `n_inputs`-`hidden`-`n_outputs` with weights w_ji = sin(j + 2i) / 4 and biases 0.1.
fn dense_network(sizes: &[usize]) -> Network<f64> {
    let layers = sizes
        .windows(2)
        .enumerate()
        .map(|(layer, pair)| {
            let weights =
                DMatrix::from_fn(pair[1], pair[0], |j, i| ((j + 2 * i + layer) as f64).sin() / 4.0);
            let activation =
                if layer + 2 == sizes.len() { Activation::Softmax } else { Activation::Sigmoid };
            Dense::new(weights, Some(DVector::from_element(pair[1], 0.1)), activation)
        })
        .collect();
    Network::new(layers, Loss::CrossEntropy).unwrap()
}

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

fn has_text(svg: &str, text: &str) -> bool {
    svg_texts(svg).iter().any(|t| t == text)
}

/// The PNG's width and height from its IHDR chunk, and its pixels decoded.
fn decode_png(bytes: &[u8]) -> ((u32, u32), Vec<u8>) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "the PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "the first chunk");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    let mut reader = png::Decoder::new(bytes).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (width, height));
    assert_eq!(info.color_type, png::ColorType::Rgb);
    ((width, height), pixels)
}

/// The distinct colours of RGB pixels.
fn n_colours(pixels: &[u8]) -> usize {
    let mut colours: Vec<&[u8]> = pixels.chunks(3).collect();
    colours.sort_unstable();
    colours.dedup();
    colours.len()
}

#[test]
fn the_tutorial_svg_names_its_eight_weights_with_their_values() {
    let network = tutorial_network();
    let svg = Diagram::new(&network).svg().unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..100]);
    // The values are the network's, as Rust writes them (0.3, not 0.30).
    let weights = network.layers().iter().flat_map(|dense| {
        let weights = dense.weights();
        (0..weights.nrows()).flat_map(move |j| (0..weights.ncols()).map(move |i| weights[(j, i)]))
    });
    let mut n_weights = 0;
    for (k, value) in weights.enumerate() {
        let label = format!("W{} = {value}", k + 1);
        assert!(has_text(&svg, &label), "no {label}");
        n_weights += 1;
    }
    assert_eq!(n_weights, 8);
    for name in ["x1", "x2", "h1", "h2", "o1", "o2"] {
        assert!(has_text(&svg, name), "no neuron {name}");
    }
    assert!(has_text(&svg, "W5 = 0.45") && has_text(&svg, "W1 = 0.3"));
    // Without a sample: no gradients, no legend.
    assert!(!svg.contains("∂E/∂"), "{svg}");
}

/// ∂E/∂w and w⁺ as tests/reference/tutorial.py computes them (`%.8f` of its
/// `dE/dW1..W4`, `dE/dW5..W8`, `W1..W4 after`, `W5..W8 after`), z, a and ∂E/∂z likewise.
#[test]
fn the_tutorial_svg_with_the_sample_carries_its_gradients_and_neuron_numbers() {
    let svg = tutorial_diagram().with_step(true).svg().unwrap();
    let expected = [
        "∂E/∂W1 = 0.00080888",
        "∂E/∂W2 = 0.00161775",
        "∂E/∂W3 = 0.00071009",
        "∂E/∂W4 = 0.00142017",
        "∂E/∂W5 = 0.02592286",
        "∂E/∂W6 = 0.02629590",
        "∂E/∂W7 = 0.00740844",
        "∂E/∂W8 = 0.00751506",
        "W1⁺ = 0.29959556",
        "W5⁺ = 0.43703857",
        "W8⁺ = 0.59624247",
        "z1 = 0.08000000",
        "h1 = 0.51998934",
        "∂E/∂z1 = 0.00808875",
        "z3 = 0.44498412",
        "o1 = 0.60944600",
        "∂E/∂z3 = 0.04985267",
        "∂E/∂z4 = 0.01424730",
        "x1 = 0.1",
        "t2 = 0.6",
    ];
    for text in expected {
        assert!(has_text(&svg, text), "no {text}");
    }
    // The legend says which colour is which sign; every gradient here is positive: red.
    assert!(has_text(&svg, "∂E/∂w > 0: the step w⁺ = w − η·∂E/∂w lowers w"), "{svg}");
    let red = "stroke=\"#C82828\"";
    assert!(svg.matches(red).count() >= 8, "{svg}");
    // Without --step, no updated values.
    let plain = tutorial_diagram().svg().unwrap();
    assert!(has_text(&plain, "∂E/∂W5 = 0.02592286") && !plain.contains("W5⁺"));
}

/// Thicker with |∂E/∂w|: W6 (0.0263, the largest) gets the full width of 7 pixels, W3
/// (0.00071) the least; blue for a negative ∂E/∂w.
#[test]
fn edges_are_coloured_by_the_sign_and_sized_by_the_gradient() {
    let diagram = tutorial_diagram();
    let largest = diagram.largest_gradient();
    assert_eq!(largest, diagram.sample.as_ref().unwrap().parameters[&w(1, 0, 1)].de_dw.value);
    assert_eq!(diagram.edge_style(w(1, 0, 1), largest), (layout::POSITIVE, 7));
    assert_eq!(diagram.edge_style(w(0, 1, 0), largest), (layout::POSITIVE, 1));
    // With t1 = 0.9 the output o1 is too low: ∂E/∂W5 < 0.
    let network = tutorial_network();
    let options = ExplainOptions { learning_rate: 0.5, ..ExplainOptions::default() };
    let derivation = explain(&network, &[0.1, 0.2], &[0.9, 0.6], &options).unwrap();
    let diagram = Diagram::new(&network).with_sample(&derivation).unwrap();
    let (colour, _) = diagram.edge_style(w(1, 0, 0), diagram.largest_gradient());
    assert_eq!(colour, layout::NEGATIVE);
}

fn w(layer: usize, to: usize, from: usize) -> ParamId {
    ParamId { layer, to, from: Some(from) }
}

#[test]
fn no_two_labels_of_the_tutorial_overlap() {
    for diagram in
        [Diagram::new(&tutorial_network()), tutorial_diagram(), tutorial_diagram().with_step(true)]
    {
        let layout = Layout::new(&diagram);
        // 8 edge labels and 2 inputs' values, 4 neuron boxes and 2 outputs' names with a sample.
        assert!(layout.labels.len() >= 8, "{}", layout.labels.len());
        if let Some((first, second)) = layout.overlapping_labels() {
            panic!("{first:?} overlaps {second:?}");
        }
    }
    // The crossing edges W2 (x2 → h1) and W3 (x1 → h2) carry their labels at different places.
    let layout = Layout::new(&tutorial_diagram());
    let centre = |name: &str| {
        let label = layout.labels.iter().find(|label| label.text.starts_with(name)).unwrap();
        (
            (label.top_left.0 + label.bottom_right.0) / 2,
            (label.top_left.1 + label.bottom_right.1) / 2,
        )
    };
    assert_ne!(centre("W2 ="), centre("W3 ="));
    assert!(centre("W3 =").0 < centre("W2 =").0);
}

#[test]
fn overlapping_boxes_are_found() {
    let label = |left: i32, top: i32| layout::LabelBox {
        text: String::new(),
        top_left: (left, top),
        bottom_right: (left + 10, top + 10),
    };
    assert!(label(0, 0).overlaps(&label(5, 5)));
    assert!(!label(0, 0).overlaps(&label(10, 0)));
    assert!(!label(0, 0).overlaps(&label(0, 10)));
}

#[test]
fn the_png_has_the_layout_size_and_more_than_one_colour() {
    let diagram = tutorial_diagram();
    let ((width, height), pixels) = decode_png(&diagram.png().unwrap());
    assert_eq!((width, height), diagram.size());
    assert!(width > 400 && height > 300, "{width}×{height}");
    // White, black text, red edges, the neurons' fill and the anti-aliased shades between.
    assert!(n_colours(&pixels) > 10, "{}", n_colours(&pixels));
    let dark = pixels.chunks(3).filter(|rgb| rgb.iter().all(|&c| c < 100)).count();
    assert!(dark > 1000, "{dark} dark pixels: no text");
}

#[test]
fn a_big_network_is_drawn_shaded_without_labels_with_a_scale() {
    let network = dense_network(&[64, 32, 10]);
    let diagram = Diagram::new(&network);
    assert!(!diagram.is_labelled());
    let svg = diagram.svg().unwrap();
    assert!(!svg.contains("W1 ="), "a label in {}", &svg[..200]);
    assert!(svg.contains("edge colour: |w|"));
    assert!(svg.contains("24 drawn: 1–12, …, 53–64"), "the sampling is said");
    assert!(has_text(&svg, "64 neurons") && has_text(&svg, "32 neurons"));
    let ((width, height), pixels) = decode_png(&diagram.png().unwrap());
    assert_eq!((width, height), diagram.size());
    assert!(n_colours(&pixels) > 10);
    // 24 + 24 + 10 neurons drawn, and the "…" of the 64 and the 32.
    assert_eq!(svg.matches("<circle").count(), 2 * (24 + 24 + 10), "fill and border");
    assert_eq!(svg_texts(&svg).iter().filter(|t| *t == "…").count(), 2);
}

/// 12 neurons a layer and 100 weights are labelled; 13 neurons, or 101 weights, are not.
#[test]
fn the_label_thresholds() {
    assert!(Diagram::new(&dense_network(&[2, 12, 2])).is_labelled());
    assert!(!Diagram::new(&dense_network(&[2, 13, 2])).is_labelled());
    assert!(Diagram::new(&dense_network(&[10, 10])).is_labelled());
    assert!(!Diagram::new(&dense_network(&[1, 10, 10, 1])).is_labelled()); // 10 + 100 + 10
    assert_eq!(layout::drawn_neurons(24), (0..24).map(Some).collect::<Vec<_>>());
    let drawn = layout::drawn_neurons(25);
    assert_eq!(drawn.len(), 25);
    assert_eq!((drawn[11], drawn[12], drawn[13], drawn[24]), (Some(11), None, Some(13), Some(24)));
}

#[test]
fn a_big_network_with_a_sample_is_shaded_by_the_gradient() {
    let network = dense_network(&[20, 16, 3]);
    let inputs: Vec<f64> = (0..20).map(|i| f64::from(i) / 20.0).collect();
    let options = ExplainOptions { learning_rate: 0.1, ..ExplainOptions::default() };
    let derivation = explain(&network, &inputs, &[0.0, 1.0, 0.0], &options).unwrap();
    let svg = Diagram::new(&network).with_sample(&derivation).unwrap().svg().unwrap();
    assert!(svg.contains("edge colour: |∂E/∂w| of the sample"));
    assert!(!svg.contains("W1 ="));
}

#[test]
fn biases_are_shown_beside_their_neurons() {
    let network = dense_network(&[2, 3, 2]);
    let svg = Diagram::new(&network).svg().unwrap();
    for name in ["b1", "b2", "b3", "b4", "b5"] {
        assert!(has_text(&svg, &format!("{name} = 0.1")), "no {name}");
    }
    let options = ExplainOptions { learning_rate: 0.1, ..ExplainOptions::default() };
    let derivation = explain(&network, &[0.5, -0.5], &[1.0, 0.0], &options).unwrap();
    let svg = Diagram::new(&network).with_sample(&derivation).unwrap().svg().unwrap();
    assert!(svg.contains("∂E/∂b5 = "));
    let layout = Layout::new(&Diagram::new(&network).with_sample(&derivation).unwrap());
    assert!(layout.overlapping_labels().is_none());
}

#[test]
fn names_from_the_model_are_shown_beside_inputs_and_outputs() {
    let network = tutorial_network();
    let svg = Diagram::new(&network)
        .with_input_names(vec!["petal_length".into(), "x2".into()])
        .with_output_names(vec!["setosa".into(), "virginica".into()])
        .svg()
        .unwrap();
    assert!(has_text(&svg, "petal_length") && has_text(&svg, "setosa"));
    // x2's column is called x2: written once, in the circle.
    assert_eq!(svg_texts(&svg).iter().filter(|t| *t == "x2").count(), 1);
}

#[test]
fn a_derivation_of_one_parameter_or_of_another_network_is_refused() {
    let network = tutorial_network();
    let options = ExplainOptions {
        weight: Some("W5".into()),
        learning_rate: 0.5,
        ..ExplainOptions::default()
    };
    let one = explain(&network, &[0.1, 0.2], &[0.4, 0.6], &options).unwrap();
    let err = Diagram::new(&network).with_sample(&one).unwrap_err();
    assert!(matches!(err, DiagramError::IncompleteSample { .. }), "{err}");
    assert!(err.to_string().contains("∂E/∂W1"), "{err}");
    let bigger = dense_network(&[2, 3, 2]);
    let err = Diagram::new(&bigger).with_sample(&tutorial_derivation(&network)).unwrap_err();
    assert!(matches!(err, DiagramError::IncompleteSample { .. }), "{err}");
}

#[test]
fn the_format_comes_from_the_extension() {
    assert_eq!(ImageFormat::from_path(Path::new("a/net.svg")).unwrap(), ImageFormat::Svg);
    assert_eq!(ImageFormat::from_path(Path::new("net.PNG")).unwrap(), ImageFormat::Png);
    for path in ["net.jpg", "net", "svg"] {
        assert_eq!(ImageFormat::from_path(Path::new(path)), None, "{path}");
    }
}

#[test]
fn write_replaces_the_file_whole_by_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let diagram = tutorial_diagram();
    let svg_path = dir.path().join("net.svg");
    diagram.write(&svg_path).unwrap();
    assert_eq!(std::fs::read_to_string(&svg_path).unwrap(), diagram.svg().unwrap());
    let png_path = dir.path().join("net.png");
    diagram.write(&png_path).unwrap();
    assert_eq!(std::fs::read(&png_path).unwrap(), diagram.png().unwrap());
    let err = diagram.write(dir.path().join("net.gif")).unwrap_err();
    assert!(matches!(err, DiagramError::UnknownFormat { .. }));
    assert!(!dir.path().join("net.gif").exists());
    let err = diagram.write(dir.path().join("no/such/net.svg")).unwrap_err();
    assert!(matches!(err, DiagramError::Output(_)), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file left");
}

#[test]
fn short_numbers_keep_four_significant_digits() {
    assert_eq!(layout::short_number(2.16641), "2.166");
    assert_eq!(layout::short_number(0.000432109), "0.0004321");
    assert_eq!(layout::short_number(12345.6), "12346");
    assert_eq!(layout::short_number(1.23456e-7), "1.235e-7");
    assert_eq!(layout::short_number(0.0), "0");
    assert_eq!(given(0.45), "0.45");
    assert_eq!(given(0.123456789), "0.12345679");
}

/// A standardized input shows the file's value beside its column name, as explain does.
#[test]
fn standardized_inputs_show_the_files_value() {
    let network = tutorial_network();
    let options = ExplainOptions {
        learning_rate: 0.5,
        raw_inputs: Some(vec![Some(5.1), None]),
        input_names: vec!["sepal_length".into(), "one_hot".into()],
        ..ExplainOptions::default()
    };
    let derivation = explain(&network, &[0.1, 0.2], &[0.4, 0.6], &options).unwrap();
    let svg = Diagram::new(&network)
        .with_input_names(options.input_names.clone())
        .with_sample(&derivation)
        .unwrap()
        .svg()
        .unwrap();
    assert!(has_text(&svg, "sepal_length = 5.1"), "{:?}", svg_texts(&svg));
    assert!(has_text(&svg, "x1 = 0.1 (standardized)"));
    assert!(has_text(&svg, "one_hot") && has_text(&svg, "x2 = 0.2"));
}
