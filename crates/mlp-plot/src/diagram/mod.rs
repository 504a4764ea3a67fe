//! The network drawn as the tutorial draws it (`docs/tutorial.md`): neurons in columns, inputs
//! on the left, each edge labelled with its parameter's name and value (`W5 = 0.45`), biases
//! beside their neurons; with one sample's [`Derivation`], each edge also carries that sample's
//! ∂E/∂w (red where ∂E/∂w > 0, blue where < 0, thicker with |∂E/∂w|) and each neuron its z, a
//! and ∂E/∂z; with [`Diagram::with_step`], the updated value w⁺ = w − η·∂E/∂w as well.
//!
//! A network too big to label (a layer of more than [`MAX_LABELLED_NEURONS`] neurons, or more
//! than [`MAX_LABELLED_EDGES`] weights) is drawn with its edges only, shaded by |w| (by
//! |∂E/∂w| with a sample) on a scale the picture shows. A layer of more than
//! [`MAX_DRAWN_NEURONS`] neurons is drawn as its first and last [`MAX_DRAWN_NEURONS`]` / 2`
//! neurons with `…` between them, and the picture says so.
//!
//! Every number comes from elsewhere: the parameters from the [`Network`], the sample's z, a,
//! ∂E/∂z, ∂E/∂w and w⁺ from [`mlp_train::explain`]'s [`Derivation`] (which reads them from
//! mlp-core's tape), written as `mlp explain` writes them (computed values with 8 decimals).
//!
//! # Example
//!
//! The tutorial's network, drawn as SVG:
//!
//! ```
//! use mlp_core::{Activation, Dense, Loss, Network};
//! use mlp_plot::diagram::Diagram;
//! use nalgebra::dmatrix;
//!
//! let network = Network::new(
//!     vec![
//!         Dense::new(dmatrix![0.30, 0.25; 0.40, 0.35], None, Activation::Sigmoid), // W1..W4
//!         Dense::new(dmatrix![0.45, 0.40; 0.70, 0.60], None, Activation::Sigmoid), // W5..W8
//!     ],
//!     Loss::HalfSumSquared,
//! )?;
//! let svg = Diagram::new(&network).svg()?;
//! assert!(svg.contains("W5 = 0.45") && svg.contains("W8 = 0.6"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod draw;
mod layout;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use mlp_core::{Network, ParamId, ParameterNames};
use mlp_train::explain::{Block, Derivation, Formula, Step, Token};
use mlp_train::model_file::Model;
use mlp_train::output_file::{OutputError, OutputFile};

/// A network with more neurons than this in one layer is drawn without labels.
pub const MAX_LABELLED_NEURONS: usize = 12;

/// A network with more weights than this is drawn without labels.
pub const MAX_LABELLED_EDGES: usize = 100;

/// A layer with more neurons than this is drawn as its first and last half of this many,
/// with `…` between them.
pub const MAX_DRAWN_NEURONS: usize = 24;

pub use crate::image::ImageFormat;

/// Why a diagram cannot be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiagramError {
    /// The output's extension is neither `.svg` nor `.png`.
    #[error("{}: the picture's format comes from the extension, .svg or .png", .path.display())]
    UnknownFormat {
        /// The path as given.
        path: PathBuf,
    },
    /// The derivation is not of this network, or derives one parameter only.
    #[error(
        "the sample's derivation has no {missing}: it must be of this network and derive every \
         parameter (ExplainOptions::weight = None)"
    )]
    IncompleteSample {
        /// What is missing: `∂E/∂W5`, `z3`.
        missing: String,
    },
    /// plotters could not draw (its backend's error is the source).
    #[error("cannot draw the picture")]
    Draw(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The PNG encoder failed.
    #[error("cannot encode the PNG: {0}")]
    Png(#[from] png::EncodingError),
    /// The output cannot be written.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// A network ready to draw, with its names and optionally one sample's numbers.
///
/// Build it with [`Diagram::new`] or [`Diagram::from_model`], add a sample with
/// [`Diagram::with_sample`], and render it with [`Diagram::svg`], [`Diagram::png`] or
/// [`Diagram::write`].
#[derive(Debug, Clone)]
pub struct Diagram {
    network: Network<f64>,
    names: ParameterNames,
    input_names: Vec<String>,
    output_names: Vec<String>,
    sample: Option<SampleNumbers>,
    show_step: bool,
}

/// One neuron's numbers for the sample, as computed and as shown.
#[derive(Debug, Clone, PartialEq)]
struct NeuronNumbers {
    z: Shown,
    a: Shown,
    de_dz: Shown,
}

/// A value and its text as `mlp explain` writes it.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    value: f64,
    text: String,
}

/// One parameter's ∂E/∂w and updated value for the sample.
#[derive(Debug, Clone, PartialEq)]
struct ParameterNumbers {
    de_dw: Shown,
    updated: Shown,
}

/// What a [`Derivation`] says about every neuron and parameter.
#[derive(Debug, Clone, PartialEq)]
struct SampleNumbers {
    /// The derivation's title: `Backpropagation step for sample 1 (…), learning rate η = 0.5`.
    title: String,
    /// `x1 = 0.1` per input, `x1 = -0.5 (standardized)` when standardized.
    inputs: Vec<String>,
    /// The file's value of each standardized input.
    raw_inputs: Vec<Option<f64>>,
    /// `t1 = 0.4` per output.
    targets: Vec<String>,
    /// Per layer, per neuron.
    neurons: Vec<Vec<NeuronNumbers>>,
    parameters: HashMap<ParamId, ParameterNumbers>,
}

impl Diagram {
    /// The network, its inputs named `x1`.. and outputs `o1`.. only.
    pub fn new(network: &Network<f64>) -> Diagram {
        Diagram {
            network: network.clone(),
            names: network.parameter_names(),
            input_names: Vec::new(),
            output_names: Vec::new(),
            sample: None,
            show_step: false,
        }
    }

    /// A model's network, its inputs named by the model's input columns (one-hot inputs as
    /// `colour=red`) and its outputs by its class or target names.
    pub fn from_model(model: &Model) -> Diagram {
        let preprocessor = &model.preprocessor;
        let output_names = match preprocessor.class_encoding() {
            Some(encoding) => encoding.class_names().to_vec(),
            None => preprocessor.target_names().to_vec(),
        };
        Diagram::new(&model.network)
            .with_input_names(preprocessor.input_names())
            .with_output_names(output_names)
    }

    /// Column names shown beside the inputs `x1`..; missing names are left out, and a name
    /// equal to the neuron's (`x1`) is shown once.
    #[must_use]
    pub fn with_input_names(mut self, names: Vec<String>) -> Diagram {
        self.input_names = names;
        self
    }

    /// Target or class names shown beside the outputs `o1`...
    #[must_use]
    pub fn with_output_names(mut self, names: Vec<String>) -> Diagram {
        self.output_names = names;
        self
    }

    /// One sample's numbers, from [`explain`](mlp_train::explain::explain) of this network
    /// with every parameter derived: each edge gets ∂E/∂w, each neuron z, a and ∂E/∂z.
    ///
    /// # Errors
    ///
    /// [`DiagramError::IncompleteSample`] when the derivation lacks a neuron or a parameter
    /// of the network (it is of another network, or derives one parameter only).
    pub fn with_sample(mut self, derivation: &Derivation) -> Result<Diagram, DiagramError> {
        self.sample = Some(SampleNumbers::new(&self.network, &self.names, derivation)?);
        Ok(self)
    }

    /// Also show each parameter's value after the sample's gradient step,
    /// w⁺ = w − η·∂E/∂w (with the derivation's η), when there is a sample.
    #[must_use]
    pub fn with_step(mut self, show_step: bool) -> Diagram {
        self.show_step = show_step;
        self
    }

    /// Whether the network is small enough for every edge and neuron to be labelled: no layer
    /// of more than [`MAX_LABELLED_NEURONS`] neurons and at most [`MAX_LABELLED_EDGES`]
    /// weights.
    pub fn is_labelled(&self) -> bool {
        let sizes = self.network.sizes();
        let n_edges: usize = sizes.windows(2).map(|pair| pair[0] * pair[1]).sum();
        sizes.iter().all(|&n| n <= MAX_LABELLED_NEURONS) && n_edges <= MAX_LABELLED_EDGES
    }

    /// The picture's width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        layout::Layout::new(self).size
    }

    /// The picture as an SVG document.
    ///
    /// # Errors
    ///
    /// [`DiagramError::Draw`] when plotters fails.
    pub fn svg(&self) -> Result<String, DiagramError> {
        crate::register_font();
        let layout = layout::Layout::new(self);
        let mut svg = String::new();
        {
            let backend = plotters::prelude::SVGBackend::with_string(&mut svg, layout.size);
            draw::draw(&layout, backend)?;
        }
        Ok(svg)
    }

    /// The picture as a PNG file's bytes (8-bit RGB).
    ///
    /// # Errors
    ///
    /// [`DiagramError::Draw`] when plotters fails, [`DiagramError::Png`] when the encoder
    /// does.
    pub fn png(&self) -> Result<Vec<u8>, DiagramError> {
        crate::register_font();
        let layout = layout::Layout::new(self);
        let (width, height) = layout.size;
        let mut pixels = vec![255_u8; width as usize * height as usize * 3];
        {
            let backend =
                plotters::prelude::BitMapBackend::with_buffer(&mut pixels, (width, height));
            draw::draw(&layout, backend)?;
        }
        Ok(crate::image::encode_png(&pixels, width, height)?)
    }

    /// The picture in `format`, as a file's bytes.
    ///
    /// # Errors
    ///
    /// As [`Diagram::svg`] and [`Diagram::png`].
    pub fn render(&self, format: ImageFormat) -> Result<Vec<u8>, DiagramError> {
        match format {
            ImageFormat::Svg => self.svg().map(String::into_bytes),
            ImageFormat::Png => self.png(),
        }
    }

    /// Writes the picture to `path`, SVG or PNG by its extension, atomically (a temporary
    /// file beside it, renamed at the end: see [`OutputFile`]).
    ///
    /// # Errors
    ///
    /// [`DiagramError::UnknownFormat`] for another extension (before anything is drawn), the
    /// errors of [`Diagram::render`], and [`DiagramError::Output`] when the file cannot be
    /// written.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), DiagramError> {
        let path = path.as_ref();
        let format = ImageFormat::from_path(path)
            .ok_or_else(|| DiagramError::UnknownFormat { path: path.to_owned() })?;
        let bytes = self.render(format)?;
        OutputFile::create(path)?.write_all_and_commit(&bytes)?;
        Ok(())
    }
}

impl SampleNumbers {
    fn new(
        network: &Network<f64>,
        names: &ParameterNames,
        derivation: &Derivation,
    ) -> Result<SampleNumbers, DiagramError> {
        let mut z = HashMap::new();
        let mut a = HashMap::new();
        let mut de_dz = HashMap::new();
        let mut inputs = HashMap::new();
        let mut raw_inputs = HashMap::new();
        let mut targets = HashMap::new();
        let mut parameters = HashMap::new();
        let mut chain_texts = HashMap::new();
        let mut update_texts = HashMap::new();
        for block in derivation.sections.iter().flat_map(|section| &section.blocks) {
            match block {
                Block::Formula(formula) => {
                    let shown = || Shown::of(formula);
                    match formula.step {
                        Step::Input(i) => {
                            // A standardized input: the file's value beside the column name.
                            let text = match formula.raw {
                                Some(_) => format!("{} (standardized)", formula.expression.text()),
                                None => formula.expression.text(),
                            };
                            _ = raw_inputs.insert(i, formula.raw);
                            _ = inputs.insert(i, text)
                        }
                        Step::Target(k) => _ = targets.insert(k, formula.expression.text()),
                        Step::PreActivation { layer, neuron } => {
                            _ = z.insert((layer, neuron), shown())
                        }
                        Step::Activation { layer, neuron } => {
                            _ = a.insert((layer, neuron), shown())
                        }
                        Step::ErrorByPreActivation { layer, neuron } => {
                            _ = de_dz.insert((layer, neuron), shown())
                        }
                        Step::ChainRule(id) => _ = chain_texts.insert(id, shown()),
                        Step::Update(id) => _ = update_texts.insert(id, shown()),
                        _ => {}
                    }
                }
                Block::Table(rows) => {
                    for row in rows {
                        let numbers = ParameterNumbers {
                            de_dw: Shown { value: row.values.de_dw, text: row.shown.de_dw.clone() },
                            updated: Shown {
                                value: row.values.updated,
                                text: row.shown.updated.clone(),
                            },
                        };
                        parameters.insert(row.id, numbers);
                    }
                }
                _ => {}
            }
        }
        // The formulas carry the same numbers as the table; either is enough.
        for (id, de_dw) in chain_texts {
            if let Some(updated) = update_texts.remove(&id) {
                parameters.entry(id).or_insert(ParameterNumbers { de_dw, updated });
            }
        }
        let missing = |what: String| DiagramError::IncompleteSample { missing: what };
        for (id, name) in names.iter() {
            if !parameters.contains_key(&id) {
                return Err(missing(format!("∂E/∂{name}")));
            }
        }
        let mut neurons = Vec::new();
        let mut z_number = 0;
        for (layer, dense) in network.layers().iter().enumerate() {
            let mut layer_numbers = Vec::new();
            for neuron in 0..dense.n_outputs() {
                z_number += 1;
                let key = (layer, neuron);
                let (Some(z), Some(a), Some(de_dz)) =
                    (z.remove(&key), a.remove(&key), de_dz.remove(&key))
                else {
                    return Err(missing(format!("z{z_number}")));
                };
                layer_numbers.push(NeuronNumbers { z, a, de_dz });
            }
            neurons.push(layer_numbers);
        }
        let in_order = |mut texts: HashMap<usize, String>, n: usize, prefix: &str| {
            (0..n)
                .map(|i| texts.remove(&i).ok_or_else(|| missing(format!("{prefix}{}", i + 1))))
                .collect::<Result<Vec<String>, DiagramError>>()
        };
        Ok(SampleNumbers {
            title: derivation.title.clone(),
            raw_inputs: (0..network.n_inputs())
                .map(|i| raw_inputs.get(&i).copied().flatten())
                .collect(),
            inputs: in_order(inputs, network.n_inputs(), "x")?,
            targets: in_order(targets, network.n_outputs(), "t")?,
            neurons,
            parameters,
        })
    }
}

impl Shown {
    /// The formula's result: its value, and its last number as written.
    fn of(formula: &Formula) -> Shown {
        let value = formula.value.unwrap_or(f64::NAN);
        let text = formula
            .expression
            .tokens()
            .iter()
            .rev()
            .find_map(|token| match token {
                Token::Number(text) => Some(text.clone()),
                _ => None,
            })
            .unwrap_or_else(|| format!("{value:.8}"));
        Shown { value, text }
    }
}

/// A parameter's value as written: `0.45`, or 8 decimals when it has more (as `mlp explain`
/// writes given values).
fn given(value: f64) -> String {
    let natural = value.to_string();
    match natural.split_once('.') {
        Some((_, decimals)) if decimals.len() > 8 => format!("{value:.8}"),
        _ => natural,
    }
}
