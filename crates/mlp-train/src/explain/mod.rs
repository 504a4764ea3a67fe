//! One sample's training step written out number by number, as the tutorial does by hand
//! (`docs/tutorial.md`): the forward pass, the loss, and for each parameter the chain rule and
//! the gradient-descent update, built as data ([`Derivation`]) and rendered as text, Markdown
//! or JSON.
//!
//! - [`explain`] runs mlp-core's forward and backward pass on one sample and returns the
//!   [`Derivation`]: [`Section`]s of [`Block`]s; each formula a [`Step`] (which neuron or
//!   parameter it is about) and an [`Expression`] of typed [`Token`]s, whose names are
//!   [`Symbol`]s (`x1`, `h1`, `o1`, `t1`, `z3` beside [`mlp_core::ParameterNames`]' `W5`,
//!   `b1`); a table of every parameter's factors ([`ParameterRow`]).
//! - [`Derivation::text`], [`Derivation::markdown`] and serde's `Serialize` render it.
//! - [`prepare_sample`] does what `mlp explain` does with a model file and a data file: picks
//!   the row, prepares it as the model's preprocessor does, finds the file's values beside the
//!   standardized inputs, the inputs filled in, the output names and the learning rate.
//!
//! The step shown is always the plain gradient step w+ = w − η·∂E/∂w. A model trained with
//! momentum, Nesterov or Adam took another step, which needs the optimizer's state (velocities,
//! moments); when [`ExplainOptions::trained_with`] names such an optimizer, the derivation says
//! so.
//!
//! Every number comes from mlp-core: z, a and the chain-rule factors from the
//! [`mlp_core::Tape`], ∂E/∂w from the [`mlp_core::Gradients`], and the updated value from
//! [`Network::descend`]. Only the sums that softmax needs inside a formula (Σ_k t_k,
//! Σ_k ∂E/∂o_k·o_k) are added up here, from the tape's numbers. Where the tape leaves a factor
//! out (an output layer under cross-entropy, a softmax layer's ∂a/∂z), so does the derivation:
//! ∂E/∂z is shown in its fused form (`∂E/∂z3 = o1 − t1`), and no factor is ever `inf` or
//! `NaN` for finite inputs.
//!
//! Names follow the tutorial: inputs `x1`.., hidden activations `h1`.. (`h1_2` = hidden layer
//! 1, neuron 2, when there are several hidden layers), outputs `o1`.., targets `t1`..,
//! pre-activations `z1`.. numbered across all layers, parameters `W1`.. and `b1`.. as
//! [`mlp_core::ParameterNames`] numbers them.
//!
//! # Example
//!
//! The tutorial's network and sample, and the W5 step:
//!
//! ```
//! use mlp_core::{Activation, Dense, Loss, Network};
//! use mlp_train::explain::{explain, ExplainOptions, Step, Block};
//! use nalgebra::dmatrix;
//!
//! let network = Network::new(
//!     vec![
//!         Dense::new(dmatrix![0.30, 0.25; 0.40, 0.35], None, Activation::Sigmoid), // W1..W4
//!         Dense::new(dmatrix![0.45, 0.40; 0.70, 0.60], None, Activation::Sigmoid), // W5..W8
//!     ],
//!     Loss::HalfSumSquared,
//! )?;
//! let options = ExplainOptions {
//!     weight: Some("W5".to_owned()),
//!     learning_rate: 0.5,
//!     sample_label: "the tutorial's sample".to_owned(),
//!     ..ExplainOptions::default()
//! };
//! let derivation = explain(&network, &[0.1, 0.2], &[0.4, 0.6], &options)?;
//! let text = derivation.text();
//! assert!(text.contains(
//!     "∂E/∂W5 = ∂E/∂o1 × ∂o1/∂z3 × ∂z3/∂W5 = 0.20944600 × 0.23802157 × 0.51998934 = 0.02592286"
//! ));
//! assert!(text.contains("W5+ = W5 − η·∂E/∂W5 = 0.45 − 0.5 × 0.02592286 = 0.43703857"));
//!
//! // The same step as data: the updated W5, unrounded.
//! let w5 = network.parameter_names().find("W5").unwrap();
//! let updated = derivation.sections.iter().flat_map(|section| &section.blocks).find_map(|block| {
//!     match block {
//!         Block::Formula(formula) if formula.step == Step::Update(w5) => formula.value,
//!         _ => None,
//!     }
//! });
//! assert!((updated.unwrap() - 0.43703857).abs() < 1e-8);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod backward;
mod derivation;
mod forward;
mod math;
mod prepare;
#[cfg(test)]
mod tests;

use mlp_core::{Gradients, LayerFactors, Network, ParamId, ParameterNames, Scalar, Tape};
use nalgebra::DMatrix;

use crate::Optimizer;

pub use self::derivation::{
    Block, Derivation, Formula, ParameterRow, RowText, RowValues, SampleValue, Section,
    SectionStyle, Step,
};
pub use self::math::{Expression, Symbol, Token};
pub use self::prepare::{prepare_sample, PreparedSample, SampleRequest, TUTORIAL_LEARNING_RATE};

/// How a [`Derivation`] is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExplainFormat {
    /// Plain text, one formula per line: `∂E/∂W5 = ∂E/∂o1 × ∂o1/∂z3 × ∂z3/∂W5 = …`
    /// ([`Derivation::text`]).
    #[default]
    Text,
    /// Markdown for GitHub: a `###` section with LaTeX formulas and a table of all parameters
    /// ([`Derivation::markdown`]).
    Markdown,
    /// One JSON object on one line (the derivation's `Serialize`).
    Json,
}

impl Derivation {
    /// The derivation in `format`, ending with a newline.
    pub fn render(&self, format: ExplainFormat) -> String {
        match format {
            ExplainFormat::Text => self.text(),
            ExplainFormat::Markdown => self.markdown(),
            ExplainFormat::Json => format!("{}\n", serde_json::Value::from(self)),
        }
    }
}

impl From<&Derivation> for serde_json::Value {
    fn from(derivation: &Derivation) -> serde_json::Value {
        serde_json::to_value(derivation).expect("a derivation is plain JSON data")
    }
}

/// Where the learning rate of the step shown comes from, which the derivation says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LearningRateSource {
    /// Given by the caller (`--learning-rate`).
    #[default]
    Given,
    /// The learning rate the model was trained with, recorded in its model file.
    Model,
    /// The tutorial's η = [`TUTORIAL_LEARNING_RATE`], for a model that records no learning
    /// rate.
    Tutorial,
}

impl LearningRateSource {
    /// `given`, `model` or `tutorial`, as the JSON form writes it.
    pub fn name(self) -> &'static str {
        match self {
            LearningRateSource::Given => "given",
            LearningRateSource::Model => "model",
            LearningRateSource::Tutorial => "tutorial",
        }
    }
}

/// What [`explain`] writes about its sample.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExplainOptions {
    /// The one parameter to derive, `W5` or `b2` (case-insensitive); `None` for all of them.
    pub weight: Option<String>,
    /// The gradient-descent step size η of the update `w+ = w − η·∂E/∂w`.
    pub learning_rate: f64,
    /// Where `learning_rate` comes from; [`LearningRateSource::Model`] adds a note saying so.
    pub learning_rate_source: LearningRateSource,
    /// The optimizer the model was trained with, when known. Momentum, Nesterov and Adam add a
    /// note that the step shown is a plain gradient step, not theirs.
    pub trained_with: Option<Optimizer>,
    /// The sample's inputs as the data file holds them, before standardization, when the model
    /// standardizes its inputs: each `Some` is shown beside its standardized `x` (`None` for an
    /// input the standardizer leaves as it is, such as a one-hot input), and a note says that
    /// the inputs are standardized. `None` when the inputs are used as they are.
    pub raw_inputs: Option<Vec<Option<f64>>>,
    /// Sentences the caller knows about this sample, added to the derivation's notes (which
    /// inputs were missing in the file and filled in, say).
    pub notes: Vec<String>,
    /// Column names of the inputs, shown beside `x1`..; missing names are left out.
    pub input_names: Vec<String>,
    /// Column or class names of the outputs, shown beside `o1`.. and `t1`..; missing names are
    /// left out.
    pub output_names: Vec<String>,
    /// Which sample this is, for the title: `sample 1 (line 2 of data.csv)`.
    pub sample_label: String,
}

/// Why a sample cannot be explained.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExplainError {
    /// No parameter has the requested name.
    #[error(
        "the network has no parameter {}: its weights are W1..W{n_weights}{}",
        QuotedName(.name),
        biases_text(*.n_biases)
    )]
    UnknownParameter {
        /// The name asked for.
        name: String,
        /// The network's weights, `W1`..`Wn`.
        n_weights: usize,
        /// The network's biases, `b1`..`bm` (0 for none).
        n_biases: usize,
    },
    /// The sample has the wrong number of inputs.
    #[error("the network takes {expected} inputs but the sample has {found}")]
    Inputs {
        /// The network's input count.
        expected: usize,
        /// The sample's.
        found: usize,
    },
    /// The sample has the wrong number of targets.
    #[error("the network has {expected} outputs but the sample has {found} targets")]
    Targets {
        /// The network's output count.
        expected: usize,
        /// The sample's.
        found: usize,
    },
    /// [`prepare_sample`]: no data row has the 1-based number asked for.
    #[error("sample {sample}: the file has data rows 1 to {n_rows}")]
    NoSuchSample {
        /// The 1-based row asked for.
        sample: usize,
        /// The file's data rows.
        n_rows: usize,
    },
    /// [`prepare_sample`]: the forward pass overflows on the sample.
    #[error(
        "the forward pass overflows at layer {}, neuron {}: the activation is {} (weights or \
         inputs too large)",
        .0.layer,
        .0.neuron,
        .0.value
    )]
    Overflow(mlp_core::NonFiniteActivation),
    /// [`prepare_sample`]: the model's preprocessor cannot prepare the file.
    #[error(transparent)]
    Data(Box<crate::data::DataError>),
}

impl From<crate::data::DataError> for ExplainError {
    fn from(error: crate::data::DataError) -> Self {
        ExplainError::Data(Box::new(error))
    }
}

/// `and its biases b1..b3` after the weights.
fn biases_text(n_biases: usize) -> String {
    match n_biases {
        0 => " and it has no biases".to_owned(),
        1 => " and its bias is b1".to_owned(),
        n => format!(" and its biases b1..b{n}"),
    }
}

/// A name quoted and escaped, cut to 80 characters with `…`.
struct QuotedName<'a>(&'a str);

impl std::fmt::Display for QuotedName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const MAX_NAME_CHARS: usize = 80;
        match self.0.char_indices().nth(MAX_NAME_CHARS) {
            Some((cut, _)) => write!(f, "{:?}…", &self.0[..cut]),
            None => write!(f, "{:?}", self.0),
        }
    }
}

/// The derivation of one training step on one sample: the forward pass, the loss, and the
/// chain rule and update of `options.weight` (or of every parameter, output layer first, with
/// a table of them all).
///
/// For the tutorial's network the W5 line reads
/// `∂E/∂W5 = ∂E/∂o1 × ∂o1/∂z3 × ∂z3/∂W5 = 0.20944600 × 0.23802157 × 0.51998934 = 0.02592286`
/// and its update `W5+ = W5 − η·∂E/∂W5 = 0.45 − 0.5 × 0.02592286 = 0.43703857`. Computed
/// values have 8 decimals; given ones (parameters, inputs, targets, η) are written as they
/// are, unless they need more than 8 decimals. `inputs` and `targets` are the values the
/// network sees (standardized, one-hot), in f64; the network computes in `T`.
///
/// Errors: an unknown parameter name, or `inputs` or `targets` of the wrong length.
pub fn explain<T: Scalar>(
    network: &Network<T>,
    inputs: &[f64],
    targets: &[f64],
    options: &ExplainOptions,
) -> Result<Derivation, ExplainError> {
    if inputs.len() != network.n_inputs() {
        return Err(ExplainError::Inputs { expected: network.n_inputs(), found: inputs.len() });
    }
    if targets.len() != network.n_outputs() {
        return Err(ExplainError::Targets { expected: network.n_outputs(), found: targets.len() });
    }
    let names = network.parameter_names();
    let selected = match &options.weight {
        Some(name) => Some(names.find(name).ok_or_else(|| unknown_parameter(&names, name))?),
        None => None,
    };

    let column = |values: &[f64]| {
        DMatrix::from_iterator(values.len(), 1, values.iter().map(|&v| T::from_f64_value(v)))
    };
    let (tape, gradients, _) = network
        .backpropagate(&column(inputs), &column(targets))
        .expect("one sample of the lengths checked above fits the network");
    let mut stepped = network.clone();
    stepped.descend(&gradients, T::from_f64_value(options.learning_rate));

    let context = Context::new(network, &tape, &gradients, &stepped, names, options);
    let (title, notes, sections) = context.document(selected);
    let raw_inputs = options.raw_inputs.as_deref().unwrap_or_default();
    let sample_inputs = inputs
        .iter()
        .enumerate()
        .map(|(i, &value)| SampleValue {
            name: format!("x{}", i + 1),
            column: options.input_names.get(i).cloned(),
            value,
            raw: raw_inputs.get(i).copied().flatten(),
        })
        .collect();
    let sample_targets = targets
        .iter()
        .enumerate()
        .map(|(k, &value)| SampleValue {
            name: format!("t{}", k + 1),
            column: options.output_names.get(k).cloned(),
            value,
            raw: None,
        })
        .collect();
    Ok(Derivation {
        title,
        notes,
        sections,
        learning_rate: options.learning_rate,
        learning_rate_source: options.learning_rate_source,
        trained_with: options.trained_with,
        inputs: sample_inputs,
        targets: sample_targets,
        standardized_inputs: options.raw_inputs.is_some(),
    })
}

fn unknown_parameter(names: &ParameterNames, name: &str) -> ExplainError {
    let n_biases = names.iter().filter(|(id, _)| id.is_bias()).count();
    ExplainError::UnknownParameter {
        name: name.to_owned(),
        n_weights: names.len() - n_biases,
        n_biases,
    }
}

/// Everything one derivation reads: the network before and after the step, and what the
/// forward and backward passes computed.
struct Context<'a, T: Scalar> {
    network: &'a Network<T>,
    tape: &'a Tape<T>,
    gradients: &'a Gradients<T>,
    stepped: &'a Network<T>,
    names: ParameterNames,
    options: &'a ExplainOptions,
    /// Per layer, the neurons of the layers before it: z's are numbered across layers.
    z_offsets: Vec<usize>,
}

impl<'a, T: Scalar> Context<'a, T> {
    fn new(
        network: &'a Network<T>,
        tape: &'a Tape<T>,
        gradients: &'a Gradients<T>,
        stepped: &'a Network<T>,
        names: ParameterNames,
        options: &'a ExplainOptions,
    ) -> Self {
        let z_offsets = network
            .layers()
            .iter()
            .scan(0, |before, dense| {
                let offset = *before;
                *before += dense.n_outputs();
                Some(offset)
            })
            .collect();
        Context { network, tape, gradients, stepped, names, options, z_offsets }
    }

    fn document(&self, selected: Option<ParamId>) -> (String, Vec<String>, Vec<Section>) {
        let title = format!(
            "Backpropagation step for {}, learning rate η = {}",
            self.options.sample_label,
            math::given(self.options.learning_rate)
        );
        let mut sections: Vec<Section> = vec![self.forward_section(), self.loss_section()];
        sections.extend(self.backward_sections(selected));
        (title, self.notes(), sections)
    }

    /// Where η comes from when it is the model's, and that the step is not the optimizer's
    /// when the model was trained with one that keeps state.
    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.options.learning_rate_source == LearningRateSource::Model {
            notes.push(format!(
                "η = {} is the learning rate the model was trained with, as its model file \
                 records it",
                math::given(self.options.learning_rate)
            ));
        }
        if let Some(optimizer) = self.options.trained_with.filter(|o| o.has_state()) {
            let state = match optimizer {
                Optimizer::Adam { .. } | Optimizer::AdamW { .. } => "its moment estimates m and s",
                Optimizer::RmsProp { .. } => "its mean square s",
                _ => "its velocity v",
            };
            notes.push(format!(
                "the model was trained with {}; the step shown is a plain gradient step \
                 w+ = w − η·∂E/∂w, not {}'s step, which also needs {state} from the steps \
                 before, and the model file does not hold them",
                optimizer.name(),
                optimizer.name()
            ));
        }
        notes.extend(self.options.notes.iter().cloned());
        notes
    }

    fn n_layers(&self) -> usize {
        self.network.layers().len()
    }

    fn is_output(&self, layer: usize) -> bool {
        layer + 1 == self.n_layers()
    }

    fn factors(&self, layer: usize) -> LayerFactors<'_, T> {
        self.tape.factors(layer)
    }

    /// "output layer (layer 2)", "hidden layer 1 (layer 1)".
    fn layer_name(&self, layer: usize) -> String {
        if self.is_output(layer) {
            format!("output layer (layer {})", layer + 1)
        } else {
            format!("hidden layer {0} (layer {0})", layer + 1)
        }
    }

    /// The activation of neuron `j` of `layer` (0-based): `h1`, `h2_1` or `o1`.
    fn a_name(&self, layer: usize, j: usize) -> String {
        match (self.is_output(layer), self.n_layers() > 2) {
            (true, _) => format!("o{}", j + 1),
            (false, false) => format!("h{}", j + 1),
            (false, true) => format!("h{}_{}", layer + 1, j + 1),
        }
    }

    /// The pre-activation of neuron `j` of `layer` (0-based), numbered across layers.
    fn z_name(&self, layer: usize, j: usize) -> String {
        format!("z{}", self.z_offsets[layer] + j + 1)
    }

    /// Input `i` of `layer` (0-based): `x1` for the first layer, else the activation it reads.
    fn input_name(&self, layer: usize, i: usize) -> String {
        match layer {
            0 => format!("x{}", i + 1),
            _ => self.a_name(layer - 1, i),
        }
    }

    /// The value of input `i` of `layer`: given for the network's inputs, else computed.
    fn input_value(&self, layer: usize, i: usize) -> String {
        let value = self.factors(layer).inputs[(i, 0)];
        match layer {
            0 => math::given(value),
            _ => math::computed(value),
        }
    }

    /// The parameter `id` of `network`.
    fn parameter(network: &Network<T>, id: ParamId) -> T {
        let dense = &network.layers()[id.layer];
        match id.from {
            Some(from) => dense.weights()[(id.to, from)],
            None => dense.bias().expect("a bias id names a layer with biases")[id.to],
        }
    }
}
