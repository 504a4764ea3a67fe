//! The tutorial's numbers come from `tests/reference/tutorial.py`, computed independently in
//! double precision; the other networks are checked against `Network::backpropagate`.

use mlp_core::{Activation, Dense, Loss, Network};
use nalgebra::{dmatrix, dvector, DMatrix};
use serde_json::Value;

use super::math::{self, Expression};
use super::*;
use crate::Optimizer;
use ExplainFormat::{Markdown, Text};

/// The tutorial's 2-2-2 sigmoid network without biases (docs/tutorial.md).
fn tutorial_network() -> Network {
    Network::new(
        vec![
            Dense::new(dmatrix![0.30, 0.25; 0.40, 0.35], None, Activation::Sigmoid),
            Dense::new(dmatrix![0.45, 0.40; 0.70, 0.60], None, Activation::Sigmoid),
        ],
        Loss::HalfSumSquared,
    )
    .unwrap()
}

fn options(weight: Option<&str>) -> ExplainOptions {
    ExplainOptions {
        weight: weight.map(str::to_owned),
        learning_rate: 0.5,
        input_names: vec!["dose".to_owned(), "age".to_owned()],
        output_names: vec!["left".to_owned(), "right".to_owned()],
        sample_label: "sample 1 (line 2 of data.csv)".to_owned(),
        ..ExplainOptions::default()
    }
}

fn tutorial(weight: Option<&str>, format: ExplainFormat) -> String {
    rendered(&tutorial_network(), &[0.1, 0.2], &[0.4, 0.6], &options(weight), format).unwrap()
}

/// [`explain`] rendered in `format`.
fn rendered<T: Scalar>(
    network: &Network<T>,
    inputs: &[f64],
    targets: &[f64],
    options: &ExplainOptions,
    format: ExplainFormat,
) -> Result<String, ExplainError> {
    Ok(explain(network, inputs, targets, options)?.render(format))
}

/// [`explain`] as the JSON value of its `Serialize`.
fn explain_json<T: Scalar>(
    network: &Network<T>,
    inputs: &[f64],
    targets: &[f64],
    options: &ExplainOptions,
) -> Result<Value, ExplainError> {
    Ok(Value::from(&explain(network, inputs, targets, options)?))
}

fn assert_contains(text: &str, expected: &str) {
    assert!(text.contains(expected), "{expected:?} not found in:\n{text}");
}

/// The value after the last `=` of the one line of `text` that starts with `start`
/// (`∂E/∂W5 = ` for a gradient, `W5+ = ` for an updated value), if there is one.
fn printed_value(text: &str, start: &str) -> Option<f64> {
    let mut matching = text.lines().map(str::trim).filter(|line| line.starts_with(start));
    let line = matching.next()?;
    assert!(matching.next().is_none(), "{start:?} twice in:\n{text}");
    Some(line.rsplit(" = ").next().unwrap().parse().unwrap())
}

#[test]
fn tutorial_text_has_the_examples_numbers() {
    let text = tutorial(None, ExplainFormat::Text);
    for expected in [
        "z1 = W1·x1 + W2·x2 = 0.3 × 0.1 + 0.25 × 0.2 = 0.08000000",
        "h1 = sigmoid(z1) = 0.51998934",
        "h2 = sigmoid(z2) = 0.52747230",
        "z3 = W5·h1 + W6·h2 = 0.45 × 0.51998934 + 0.4 × 0.52747230 = 0.44498412",
        "o1 = sigmoid(z3) = 0.60944600",
        "o2 = sigmoid(z4) = 0.66384491",
        "E_o1 = ½(t1 − o1)² = ½(0.4 − 0.60944600)² = 0.02193381",
        "E_total = E_o1 + E_o2 = 0.02193381 + 0.00203809 = 0.02397190",
        "∂E/∂o1 = o1 − t1 = 0.60944600 − 0.4 = 0.20944600",
        "∂o1/∂z3 = o1·(1 − o1) = 0.60944600 × (1 − 0.60944600) = 0.23802157",
        "∂E/∂W5 = ∂E/∂o1 × ∂o1/∂z3 × ∂z3/∂W5 = 0.20944600 × 0.23802157 × 0.51998934 = 0.02592286",
        "W5+ = W5 − η·∂E/∂W5 = 0.45 − 0.5 × 0.02592286 = 0.43703857",
        "∂E/∂W8 = ∂E/∂o2 × ∂o2/∂z4 × ∂z4/∂W8 = 0.06384491 × 0.22315485 × 0.52747230 = 0.00751506",
        "W8+ = W8 − η·∂E/∂W8 = 0.6 − 0.5 × 0.00751506 = 0.59624247",
        "∂h1/∂z1 = h1·(1 − h1) = 0.51998934 × (1 − 0.51998934) = 0.24960043",
        "∂E/∂W1 = ∂E/∂h1 × ∂h1/∂z1 × ∂z1/∂W1 = 0.03240681 × 0.24960043 × 0.1 = 0.00080888",
        "W1+ = W1 − η·∂E/∂W1 = 0.3 − 0.5 × 0.00080888 = 0.29959556",
        "∂E/∂W4 = ∂E/∂h2 × ∂h2/∂z2 × ∂z2/∂W4 = 0.02848945 × 0.24924527 × 0.2 = 0.00142017",
        "W4+ = W4 − η·∂E/∂W4 = 0.35 − 0.5 × 0.00142017 = 0.34928991",
    ] {
        assert_contains(&text, expected);
    }
    // ∂E/∂h1 sums over both outputs with the weights before the update.
    let de_dh1 = text.lines().find(|line| line.trim().starts_with("∂E/∂h1 =")).unwrap();
    assert!(de_dh1.contains("= ∂E/∂z3·W5 + ∂E/∂z4·W7 = "), "{de_dh1}");
    assert!(de_dh1.contains(" × 0.45 + ") && de_dh1.ends_with(" × 0.7 = 0.03240681"), "{de_dh1}");
    // Backpropagation order: output layer first, then W1..W4.
    let position = |needle: &str| text.find(needle).unwrap();
    assert!(
        position("∂E/∂W5 =") < position("∂E/∂W8 =") && position("∂E/∂W8 =") < position("∂E/∂W1 =")
    );
}

#[test]
fn tutorial_single_weight_shows_its_derivation_only() {
    let text = tutorial(Some("w1"), ExplainFormat::Text);
    assert_contains(&text, "∂E/∂z3 = ∂E/∂o1 × ∂o1/∂z3 = 0.20944600 × 0.23802157 = 0.04985267");
    assert_contains(&text, "= 0.03240681 × 0.24960043 × 0.1 = 0.00080888");
    assert_contains(&text, "W1+ = W1 − η·∂E/∂W1 = 0.3 − 0.5 × 0.00080888 = 0.29959556");
    assert!(!text.contains("∂E/∂W5") && !text.contains("∂E/∂W2"), "{text}");

    let text = tutorial(Some("W5"), ExplainFormat::Text);
    assert_contains(&text, "0.20944600 × 0.23802157 × 0.51998934 = 0.02592286");
    assert_contains(&text, "0.45 − 0.5 × 0.02592286 = 0.43703857");
    assert!(!text.contains("∂E/∂h1") && !text.contains("∂E/∂W6"), "{text}");
}

#[test]
fn tutorial_markdown_has_latex_and_the_table() {
    let markdown = tutorial(None, ExplainFormat::Markdown);
    assert!(markdown.starts_with("### Backpropagation step for sample 1 (line 2 of data.csv)"));
    assert_contains(&markdown, "- $h_{1} = \\text{sigmoid}(z_{1}) = 0.51998934$\n");
    assert_contains(
        &markdown,
        "$$\\frac{\\partial E}{\\partial W_{5}} = \\frac{\\partial E}{\\partial o_{1}} \\times \
         \\frac{\\partial o_{1}}{\\partial z_{3}} \\times \\frac{\\partial z_{3}}{\\partial W_{5}} \
         = 0.20944600 \\times 0.23802157 \\times 0.51998934 = 0.02592286$$",
    );
    assert_contains(
        &markdown,
        "$$W_{5}^{+} = W_{5} - \\eta \\cdot \\frac{\\partial E}{\\partial W_{5}}",
    );
    assert_contains(&markdown, "E_{o_{1}} = \\tfrac{1}{2}(t_{1} - o_{1})^{2}");
    assert_contains(&markdown, "| parameter | ∂E/∂a | ∂a/∂z | ∂z/∂w | ∂E/∂w | updated |\n|---|");
    assert_contains(
        &markdown,
        "| W5 | 0.20944600 | 0.23802157 | 0.51998934 | 0.02592286 | 0.43703857 |",
    );
    assert_contains(&markdown, "| W1 | 0.03240681 | 0.24960043 | 0.1 | 0.00080888 | 0.29959556 |");
    // One parameter: no table.
    assert!(!tutorial(Some("W5"), ExplainFormat::Markdown).contains("| parameter |"));
}

#[test]
fn given_values_keep_their_short_form_in_f32() {
    let network = tutorial_network().cast::<f32>();
    let text =
        rendered(&network, &[0.1, 0.2], &[0.4, 0.6], &options(None), ExplainFormat::Text).unwrap();
    assert_contains(&text, "= 0.3 × 0.1 + 0.25 × 0.2 = ");
    assert_contains(&text, "W5+ = W5 − η·∂E/∂W5 = 0.45 − 0.5 × 0.025922");
}

#[test]
fn unknown_parameter_and_wrong_lengths_are_errors() {
    let network = tutorial_network();
    let error = explain(&network, &[0.1, 0.2], &[0.4, 0.6], &options(Some("W9"))).unwrap_err();
    assert!(
        matches!(
            &error,
            ExplainError::UnknownParameter { name, n_weights: 8, n_biases: 0 } if name == "W9"
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the network has no parameter \"W9\": its weights are W1..W8 and it has no biases"
    );
    let error =
        rendered(&network, &[0.1], &[0.4, 0.6], &options(None), ExplainFormat::Text).unwrap_err();
    assert!(matches!(error, ExplainError::Inputs { expected: 2, found: 1 }), "{error:?}");
    let error =
        rendered(&network, &[0.1, 0.2], &[0.4], &options(None), ExplainFormat::Text).unwrap_err();
    assert_eq!(error.to_string(), "the network has 2 outputs but the sample has 1 targets");
}

/// Networks with biases and every output and loss the core allows after them: the printed
/// ∂E/∂w and updates must be `backpropagate`'s and `descend`'s, to the 8 decimals printed.
#[test]
fn biased_and_softmax_networks_print_the_cores_gradients() {
    let hidden = |activation| {
        Dense::new(
            dmatrix![0.2, -0.4; 0.7, 0.1; -0.3, 0.5],
            Some(dvector![0.1, -0.2, 0.05]),
            activation,
        )
    };
    let second = Dense::new(
        dmatrix![0.3, -0.1, 0.2; 0.6, 0.4, -0.5; -0.2, 0.1, 0.3],
        Some(dvector![0.0, 0.1, -0.1]),
        Activation::LEAKY_RELU,
    );
    let output = |activation| {
        Dense::new(
            dmatrix![0.5, -0.6, 0.1; -0.2, 0.8, 0.3; 0.4, 0.3, -0.7],
            Some(dvector![0.1, 0.0, -0.1]),
            activation,
        )
    };
    let cases = [
        (
            vec![hidden(Activation::Tanh), output(Activation::Softmax)],
            Loss::CrossEntropy,
            "o1 − t1 = ",
        ),
        (
            vec![hidden(Activation::Sigmoid), output(Activation::Softmax)],
            Loss::MeanSquared,
            "Σ_k ∂E/∂o_k·o_k",
        ),
        (
            vec![hidden(Activation::Relu), output(Activation::Sigmoid)],
            Loss::CrossEntropy,
            "binary cross-entropy",
        ),
        (
            vec![hidden(Activation::Tanh), second, output(Activation::Identity)],
            Loss::HalfSumSquared,
            "h2_1",
        ),
    ];
    for (layers, loss, expected) in cases {
        let network = Network::new(layers, loss).unwrap();
        let (inputs, targets) = ([0.5, -1.5], [0.0, 1.0, 0.0]);
        let text =
            rendered(&network, &inputs, &targets, &options(None), ExplainFormat::Text).unwrap();
        assert_contains(&text, expected);
        rendered(&network, &inputs, &targets, &options(None), ExplainFormat::Markdown).unwrap();

        let column = |values: &[f64]| DMatrix::from_column_slice(values.len(), 1, values);
        let (_, gradients, _) = network.backpropagate(&column(&inputs), &column(&targets)).unwrap();
        let mut stepped = network.clone();
        stepped.descend(&gradients, 0.5);
        let names = network.parameter_names();
        for (id, name) in names.iter() {
            let gradient = printed_value(&text, &format!("∂E/∂{name} = ")).unwrap();
            assert!((gradient - gradients.get(id)).abs() < 5e-9, "{name}: {gradient}\n{text}");
            let updated = printed_value(&text, &format!("{name}+ = ")).unwrap();
            let expected = Context::parameter(&stepped, id);
            assert!((updated - expected).abs() < 5e-9, "{name}: {updated}\n{text}");
        }

        // One parameter: the ∂E/∂z of every layer above it, back from the output.
        let one = rendered(&network, &inputs, &targets, &options(Some("W1")), ExplainFormat::Text)
            .unwrap();
        let last_z = network.sizes()[1..].iter().sum::<usize>();
        assert_contains(&one, &format!("∂E/∂z{last_z} = "));
        assert_eq!(printed_value(&one, "∂E/∂W1 = "), printed_value(&text, "∂E/∂W1 = "));
        assert_eq!(printed_value(&one, "∂E/∂W2 = "), None);
    }
}

fn latex(formula: &str) -> String {
    Expression::parse(formula).latex()
}

fn plain(formula: &str) -> String {
    Expression::parse(formula).text()
}

#[test]
fn latex_names_and_negative_numbers() {
    assert_eq!(latex("∂E/∂h1_2"), r"\frac{\partial E}{\partial {h^{(1)}_{2}}}");
    assert_eq!(latex("1 − h1_2²"), r"1 - {h^{(1)}_{2}}^{2}");
    assert_eq!(latex("E_total = E_o1"), r"E_{\mathrm{total}} = E_{o_{1}}");
    assert_eq!(
        latex("relu′(z1) = leaky-relu(z2)"),
        r"\text{relu}'(z_{1}) = \text{leaky-relu}(z_{2})"
    );
    assert_eq!(plain("z1 = -0.1 × -0.2 + (-0.3)"), "z1 = -0.1 × (-0.2) + (-0.3)");
    assert_eq!(math::given(0.1 + 0.2), "0.30000000");
    assert_eq!(math::given(0.45_f32), "0.45");
}

#[test]
fn standardized_inputs_show_the_file_values_in_every_format() {
    let standardized =
        ExplainOptions { raw_inputs: Some(vec![Some(5.1), Some(3.5)]), ..options(None) };
    let text =
        rendered(&tutorial_network(), &[0.1, 0.2], &[0.4, 0.6], &standardized, Text).unwrap();
    assert_contains(&text, "  (the inputs are standardized: x = (file value − mean) / std");
    assert_contains(&text, "  x1 = 0.1  (dose = 5.1, standardized)\n");
    assert_contains(&text, "  x2 = 0.2  (age = 3.5, standardized)\n");
    // The derivation itself is the standardized inputs'.
    assert_contains(&text, "= 0.20944600 × 0.23802157 × 0.51998934 = 0.02592286");

    let markdown =
        rendered(&tutorial_network(), &[0.1, 0.2], &[0.4, 0.6], &standardized, Markdown).unwrap();
    assert_contains(&markdown, "- $x_{1} = 0.1$ (`dose` = 5.1, standardized)\n");

    let json = explain_json(&tutorial_network(), &[0.1, 0.2], &[0.4, 0.6], &standardized).unwrap();
    assert_eq!(json["standardized_inputs"], true);
    assert_eq!(json["inputs"][0]["raw"], 5.1);
    assert_eq!(json["inputs"][0]["value"], 0.1);
    assert_eq!(json["inputs"][1]["column"], "age");
    let first_input = &json["sections"][0]["blocks"][1];
    assert_eq!((first_input["lhs"].as_str(), first_input["raw"].as_f64()), (Some("x1"), Some(5.1)));

    // Not standardized: no note, no file values.
    let plain = tutorial(None, ExplainFormat::Text);
    assert_contains(&plain, "  x1 = 0.1  (dose)\n");
    assert!(!plain.contains("standardized"), "{plain}");
}

#[test]
fn a_model_trained_with_adam_says_the_step_is_a_plain_gradient_step() {
    let adam = ExplainOptions {
        learning_rate: 0.001,
        learning_rate_source: LearningRateSource::Model,
        trained_with: Some(Optimizer::ADAM),
        ..options(Some("W5"))
    };
    let text = rendered(&tutorial_network(), &[0.1, 0.2], &[0.4, 0.6], &adam, Text).unwrap();
    assert_contains(&text, "learning rate η = 0.001\n\nNote: η = 0.001 is the learning rate the model was trained with");
    assert_contains(&text, "Note: the model was trained with adam; the step shown is a plain gradient step w+ = w − η·∂E/∂w, not adam's step");
    assert_contains(&text, "W5+ = W5 − η·∂E/∂W5 = 0.45 − 0.001 × 0.02592286 = 0.44997408");

    let momentum = ExplainOptions { trained_with: Some(Optimizer::MOMENTUM), ..adam.clone() };
    let text = rendered(&tutorial_network(), &[0.1, 0.2], &[0.4, 0.6], &momentum, Text).unwrap();
    assert_contains(&text, "trained with momentum; the step shown is a plain gradient step");
    assert_contains(&text, "its velocity v");

    // SGD's step is the one shown; a learning rate given by the caller needs no note.
    let sgd = ExplainOptions {
        trained_with: Some(Optimizer::Sgd),
        learning_rate_source: LearningRateSource::Given,
        ..adam.clone()
    };
    let text = rendered(&tutorial_network(), &[0.1, 0.2], &[0.4, 0.6], &sgd, Text).unwrap();
    assert!(!text.contains("Note:"), "{text}");

    let json = explain_json(&tutorial_network(), &[0.1, 0.2], &[0.4, 0.6], &adam).unwrap();
    assert_eq!(json["plain_step"], true);
    assert_eq!(json["trained_with"], "adam");
    assert_eq!(json["learning_rate"], 0.001);
    assert_eq!(json["learning_rate_source"], "model");
    assert_eq!(json["notes"].as_array().unwrap().len(), 2);
}

#[test]
fn json_holds_every_factor_as_an_unrounded_number() {
    let json = explain_json(&tutorial_network(), &[0.1, 0.2], &[0.4, 0.6], &options(None)).unwrap();
    let sections = json["sections"].as_array().unwrap();
    let table = &sections.last().unwrap()["blocks"][0];
    assert_eq!(table["kind"], "table");
    let rows = table["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 8);
    let w5 = rows.iter().find(|row| row["param"] == "W5").unwrap();
    // Python, math.exp in double precision, gives 0.0259228556036474 (docs/tutorial.md's
    // 0.02592286 to 8 decimals); the core's operation order lands within 1e-15 of it.
    let de_dw = w5["dE_dw"].as_f64().unwrap();
    assert!((de_dw - 0.0259228556036474).abs() < 1e-15, "{de_dw}");
    let (_, gradients, _) =
        tutorial_network().backpropagate(&dmatrix![0.1; 0.2], &dmatrix![0.4; 0.6]).unwrap();
    let names = tutorial_network().parameter_names();
    assert_eq!(de_dw, gradients.get(names.find("W5").unwrap()));
    assert_eq!(w5["weight"], 0.45);
    assert_eq!(w5["dz_dw"].as_f64().map(|h1| (h1 - 0.51998934).abs() < 5e-9), Some(true));
    assert!((w5["weight_new"].as_f64().unwrap() - 0.43703857).abs() < 5e-9);

    // The W5 chain rule as a formula block, split into its parts.
    let chain = sections
        .iter()
        .flat_map(|section| section["blocks"].as_array().unwrap())
        .find(|block| block["lhs"] == "∂E/∂W5")
        .unwrap();
    assert_eq!(chain["symbolic"], "∂E/∂o1 × ∂o1/∂z3 × ∂z3/∂W5");
    assert_eq!(chain["numbers"], "0.20944600 × 0.23802157 × 0.51998934");
    assert_eq!(chain["value"].as_f64(), Some(de_dw));
    assert!(chain["latex"].as_str().unwrap().starts_with(r"\frac{\partial E}{\partial W_{5}}"));

    // Softmax with cross-entropy has no elementwise ∂E/∂a or ∂a/∂z: null, not a number.
    let softmax = Network::new(
        vec![Dense::new(dmatrix![0.5, -0.5; 0.25, 0.1], None, Activation::Softmax)],
        Loss::CrossEntropy,
    )
    .unwrap();
    let json = explain_json(&softmax, &[1.0, 2.0], &[0.0, 1.0], &options(None)).unwrap();
    let rows = &json["sections"].as_array().unwrap().last().unwrap()["blocks"][0]["rows"];
    assert_eq!(rows[0]["dE_da"], serde_json::Value::Null);
    assert_eq!(rows[0]["da_dz"], serde_json::Value::Null);
    assert!(rows[0]["dE_dw"].is_f64());
    // Through explain, the same object as text.
    let text =
        rendered(&softmax, &[1.0, 2.0], &[0.0, 1.0], &options(None), ExplainFormat::Json).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed["sections"], json["sections"]);
}

/// The derivation is typed data: the W5 chain rule's names are symbols (the tutorial's neuron
/// names beside `ParameterNames`' W5), its step names the parameter, and every formula's text
/// is its tokens rendered.
#[test]
fn formulas_are_typed_tokens_with_the_tutorials_names() {
    let network = tutorial_network();
    let derivation = explain(&network, &[0.1, 0.2], &[0.4, 0.6], &options(Some("W5"))).unwrap();
    let w5 = network.parameter_names().find("W5").unwrap();
    let formulas: Vec<&Formula> = derivation
        .sections
        .iter()
        .flat_map(|section| &section.blocks)
        .filter_map(|block| match block {
            Block::Formula(formula) => Some(formula),
            _ => None,
        })
        .collect();
    let chain = formulas.iter().find(|formula| formula.step == Step::ChainRule(w5)).unwrap();
    let partials: Vec<(&Symbol, &Symbol)> = chain
        .expression
        .tokens()
        .iter()
        .filter_map(|token| match token {
            Token::Partial { of, by } => Some((of, by)),
            _ => None,
        })
        .collect();
    let w5_symbol = Symbol::Parameter("W5".to_owned());
    assert_eq!(
        partials,
        [
            (&Symbol::Error, &w5_symbol),
            (&Symbol::Error, &Symbol::Output(1)),
            (&Symbol::Output(1), &Symbol::PreActivation(3)),
            (&Symbol::PreActivation(3), &w5_symbol),
        ]
    );
    let numbers: Vec<&str> = chain
        .expression
        .tokens()
        .iter()
        .filter_map(|token| match token {
            Token::Number(number) => Some(number.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(numbers, ["0.20944600", "0.23802157", "0.51998934", "0.02592286"]);
    assert_eq!(chain.value, Some(derivation_value(&network, w5)));
    let update = formulas.iter().find(|formula| formula.step == Step::Update(w5)).unwrap();
    assert_eq!(update.expression.tokens()[0], Token::Updated(w5_symbol));
    let h1 = formulas
        .iter()
        .find(|formula| formula.step == Step::Activation { layer: 0, neuron: 0 })
        .unwrap();
    assert_eq!(h1.expression.text(), "h1 = sigmoid(z1) = 0.51998934");
    assert_eq!(h1.expression.tokens()[0], Token::Symbol(Symbol::Hidden { layer: None, neuron: 1 }));

    // Several hidden layers: h2_1 is hidden layer 2, neuron 1; sigmoid is a function.
    let h2_1 = Expression::parse("h2_1 = sigmoid(z3)");
    assert_eq!(h2_1.tokens()[0], Token::Symbol(Symbol::Hidden { layer: Some(2), neuron: 1 }));
    let sigmoid = Symbol::Function { name: "sigmoid".to_owned(), derivative: false };
    assert_eq!(h2_1.tokens()[4], Token::Symbol(sigmoid));
    let relu = Expression::parse("∂h1/∂z1 = relu′(z1)");
    let relu_prime = Symbol::Function { name: "relu".to_owned(), derivative: true };
    assert!(relu.tokens().contains(&Token::Symbol(relu_prime)), "{:?}", relu.tokens());
    for text in ["E_total = E_o1 + E_o2", "∂E/∂x1", "Σ_k t_k", "e^z3 / (e^z3 + e^z4)"] {
        assert_eq!(Expression::parse(text).text(), text);
    }
    let loss = Expression::parse("E_total = E_o1");
    assert_eq!(loss.tokens()[0], Token::Symbol(Symbol::TotalError));
    assert_eq!(loss.tokens()[4], Token::Symbol(Symbol::OutputError(1)));
}

/// ∂E/∂w of `id` as mlp-core computes it.
fn derivation_value(network: &Network, id: mlp_core::ParamId) -> f64 {
    let (_, gradients, _) =
        network.backpropagate(&dmatrix![0.1; 0.2], &dmatrix![0.4; 0.6]).unwrap();
    gradients.get(id)
}
