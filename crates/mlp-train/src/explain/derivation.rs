//! The derivation as data: sections of formulas (typed tokens), notes and a table of every
//! parameter's factors, rendered as plain text, as Markdown or as JSON (serde `Serialize`).

use mlp_core::ParamId;
use serde::{Serialize, Serializer};
use serde_json::{json, Value};

use super::math::Expression;
use super::LearningRateSource;
use crate::Optimizer;

/// One training step on one sample, written out: what [`explain`](super::explain) returns.
///
/// Render it with [`Derivation::text`], [`Derivation::markdown`] or serde (`Serialize`: the
/// object `mlp explain --format json` prints, less the command's own fields). Every number in
/// it comes from mlp-core's forward and backward pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Derivation {
    /// `Backpropagation step for <sample label>, learning rate η = 0.5`.
    pub title: String,
    /// Sentences about the whole derivation (which η, which step), shown under the title.
    pub notes: Vec<String>,
    /// The forward pass, the loss, backpropagation per layer (output layer first) and, when
    /// every parameter is derived, a table of them all.
    pub sections: Vec<Section>,
    /// η of the step shown.
    pub learning_rate: f64,
    /// Where η comes from.
    pub learning_rate_source: LearningRateSource,
    /// The optimizer the model was trained with, when known.
    pub trained_with: Option<Optimizer>,
    /// The sample's inputs: standardized values, and the file's values where standardized.
    pub inputs: Vec<SampleValue>,
    /// The sample's targets.
    pub targets: Vec<SampleValue>,
    /// Whether the inputs are standardized (the caller gave the file's values).
    pub standardized_inputs: bool,
}

/// One input `x1`.. or target `t1`.. of the sample.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleValue {
    /// `x1` or `t1`.
    pub name: String,
    /// The column (or class) name, when known.
    pub column: Option<String>,
    /// The value the network sees.
    pub value: f64,
    /// The file's value before standardization (inputs only; `None` when not standardized).
    pub raw: Option<f64>,
}

/// A heading and its blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// `Forward pass`, `Backpropagation, output layer (layer 2)`, ….
    pub heading: String,
    /// How Markdown lays out the formulas.
    pub style: SectionStyle,
    /// Formulas, notes and tables, in order.
    pub blocks: Vec<Block>,
}

/// How Markdown lays out a section's formulas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionStyle {
    /// List items with inline maths (`- $…$`).
    List,
    /// `$$…$$` blocks.
    Display,
}

/// What a section holds.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Block {
    /// One step of the derivation.
    Formula(Formula),
    /// A sentence.
    Note(String),
    /// One row per parameter.
    Table(Vec<ParameterRow>),
}

/// One step of the derivation as a formula, `lhs = symbolic = numbers = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    /// Which step this is.
    pub step: Step,
    /// The formula: `∂E/∂W5 = ∂E/∂o1 × ∂o1/∂z3 × ∂z3/∂W5 = 0.20944600 × … = 0.02592286`.
    pub expression: Expression,
    /// A column or class name shown after it.
    pub label: Option<String>,
    /// The file's value of a standardized input.
    pub raw: Option<f64>,
    /// The value it computes or gives, unrounded.
    pub value: Option<f64>,
}

/// Which step a [`Formula`] shows. Layers, neurons and outputs are 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// `x1 = 0.1`.
    Input(usize),
    /// `z1 = W1·x1 + W2·x2 = …`.
    PreActivation {
        /// Layer.
        layer: usize,
        /// Neuron.
        neuron: usize,
    },
    /// `h1 = sigmoid(z1) = …`.
    Activation {
        /// Layer.
        layer: usize,
        /// Neuron.
        neuron: usize,
    },
    /// `t1 = 0.4`.
    Target(usize),
    /// `E_o1 = ½(t1 − o1)² = …`.
    LossTerm(usize),
    /// `E_total = …`.
    Loss,
    /// `∂E/∂o1 = o1 − t1 = …` or `∂E/∂h1 = ∂E/∂z3·W5 + … = …`.
    ErrorByActivation {
        /// Layer.
        layer: usize,
        /// Neuron.
        neuron: usize,
    },
    /// `∂o1/∂z3 = o1·(1 − o1) = …`.
    ActivationByPreActivation {
        /// Layer.
        layer: usize,
        /// Neuron.
        neuron: usize,
    },
    /// `∂E/∂z3 = ∂E/∂o1 × ∂o1/∂z3 = …`, or the fused form.
    ErrorByPreActivation {
        /// Layer.
        layer: usize,
        /// Neuron.
        neuron: usize,
    },
    /// `∂E/∂W5 = ∂E/∂o1 × ∂o1/∂z3 × ∂z3/∂W5 = …`.
    ChainRule(ParamId),
    /// `W5+ = W5 − η·∂E/∂W5 = …`.
    Update(ParamId),
}

/// One parameter's factors, as shown and as computed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterRow {
    /// The parameter.
    pub id: ParamId,
    /// `W5`, `b1`.
    pub parameter: String,
    /// The factors as shown: `None` where a factor is left out (see
    /// [`mlp_core::LayerFactors`]).
    pub shown: RowText,
    /// The same factors unrounded, and the parameter before the update.
    pub values: RowValues,
}

/// A [`ParameterRow`]'s numbers as shown (computed ones with 8 decimals).
#[derive(Debug, Clone, PartialEq)]
pub struct RowText {
    /// ∂E/∂a.
    pub de_da: Option<String>,
    /// ∂a/∂z.
    pub da_dz: Option<String>,
    /// ∂z/∂w.
    pub dz_dw: String,
    /// ∂E/∂w.
    pub de_dw: String,
    /// The parameter after the update.
    pub updated: String,
}

/// A [`ParameterRow`]'s numbers as computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowValues {
    /// The parameter before the update.
    pub weight: f64,
    /// ∂E/∂a.
    pub de_da: Option<f64>,
    /// ∂a/∂z.
    pub da_dz: Option<f64>,
    /// ∂z/∂w.
    pub dz_dw: f64,
    /// ∂E/∂w.
    pub de_dw: f64,
    /// The parameter after the update.
    pub updated: f64,
}

const TABLE_HEADER: [&str; 6] = ["parameter", "∂E/∂a", "∂a/∂z", "∂z/∂w", "∂E/∂w", "updated"];

impl Block {
    /// A formula without label whose result is `value`.
    pub(super) fn formula(step: Step, formula: &str, value: f64) -> Block {
        Block::Formula(Formula {
            step,
            expression: Expression::parse(formula),
            label: None,
            raw: None,
            value: Some(value),
        })
    }
}

impl ParameterRow {
    fn cells(&self) -> [&str; 6] {
        fn or_dash(cell: &Option<String>) -> &str {
            cell.as_deref().unwrap_or("—")
        }
        [
            &self.parameter,
            or_dash(&self.shown.de_da),
            or_dash(&self.shown.da_dz),
            &self.shown.dz_dw,
            &self.shown.de_dw,
            &self.shown.updated,
        ]
    }
}

impl Derivation {
    /// Plain text: one formula per line, indented under its heading.
    pub fn text(&self) -> String {
        let mut lines = vec![self.title.clone()];
        if !self.notes.is_empty() {
            lines.push(String::new());
            lines.extend(self.notes.iter().map(|note| format!("Note: {note}")));
        }
        for section in &self.sections {
            lines.extend([String::new(), section.heading.clone()]);
            for block in &section.blocks {
                match block {
                    Block::Formula(Formula { expression, label: None, .. }) => {
                        lines.push(format!("  {}", expression.text()));
                    }
                    Block::Formula(Formula { expression, label: Some(label), raw, .. }) => {
                        let raw = raw_text(raw);
                        lines.push(format!("  {}  ({label}{raw})", expression.text()));
                    }
                    Block::Note(note) => lines.push(format!("  ({note})")),
                    Block::Table(rows) => lines.extend(text_table(rows)),
                }
            }
        }
        lines.join("\n") + "\n"
    }

    /// Markdown for GitHub: a `###` heading, `####` sections, LaTeX in `$…$` and `$$…$$`.
    pub fn markdown(&self) -> String {
        let mut paragraphs = vec![format!("### {}", self.title)];
        paragraphs.extend(self.notes.iter().map(|note| format!("> **Note:** {note}")));
        for section in &self.sections {
            paragraphs.push(format!("#### {}", section.heading));
            let mut list_items = Vec::new();
            for block in &section.blocks {
                if let (SectionStyle::List, Block::Formula(formula)) = (section.style, block) {
                    list_items.push(format!(
                        "- ${}${}",
                        formula.expression.latex(),
                        markdown_label(&formula.label, &formula.raw)
                    ));
                    continue;
                }
                if !list_items.is_empty() {
                    paragraphs.push(list_items.join("\n"));
                    list_items.clear();
                }
                paragraphs.push(match block {
                    Block::Formula(Formula { expression, label, raw, .. }) => {
                        format!("$${}$${}", expression.latex(), markdown_label(label, raw))
                    }
                    Block::Note(note) => format!("*{note}*"),
                    Block::Table(rows) => markdown_table(rows),
                });
            }
            if !list_items.is_empty() {
                paragraphs.push(list_items.join("\n"));
            }
        }
        paragraphs.join("\n\n") + "\n"
    }

    /// Whether the step shown is not the optimizer's own: the model was trained with
    /// momentum, Nesterov or Adam, whose step needs state the model file does not hold.
    pub fn plain_step(&self) -> bool {
        self.trained_with.is_some_and(Optimizer::has_state)
    }

    /// The derivation as the JSON object of [`Serialize`].
    fn json(&self) -> Value {
        let sections: Vec<Value> = self
            .sections
            .iter()
            .map(|section| {
                let blocks: Vec<Value> = section.blocks.iter().map(Block::json).collect();
                json!({ "heading": section.heading, "blocks": blocks })
            })
            .collect();
        let inputs: Vec<Value> = self
            .inputs
            .iter()
            .map(|input| {
                json!({
                    "name": input.name,
                    "column": input.column,
                    "value": finite(Some(input.value)),
                    "raw": finite(input.raw),
                })
            })
            .collect();
        let targets: Vec<Value> = self
            .targets
            .iter()
            .map(|target| {
                json!({
                    "name": target.name,
                    "column": target.column,
                    "value": finite(Some(target.value)),
                })
            })
            .collect();
        json!({
            "title": self.title,
            "notes": self.notes,
            "sections": sections,
            "learning_rate": finite(Some(self.learning_rate)),
            "learning_rate_source": self.learning_rate_source.name(),
            "trained_with": self.trained_with.map(Optimizer::name),
            "plain_step": self.plain_step(),
            "standardized_inputs": self.standardized_inputs,
            "inputs": inputs,
            "targets": targets,
        })
    }
}

/// One JSON object: `title`, `notes` and `sections`, plus `learning_rate` (η of the step
/// shown), `learning_rate_source` (`given`, `model` or `tutorial`), `trained_with` (the
/// optimizer's name or `null`), `plain_step` ([`Derivation::plain_step`]),
/// `standardized_inputs`, and the sample's `inputs` and `targets` (`name`, `column`, `value`,
/// and for inputs the file's `raw` value, `null` when not standardized).
///
/// Each section has a `heading` and `blocks`; a block is a `formula` (`text`, `latex`, `lhs`,
/// `symbolic`, `numbers`, unrounded `value`, `label`, `raw`), a `note` (`text`), or a `table`
/// (`rows`, one per parameter: `param`, `weight`, `dE_da`, `da_dz`, `dz_dw`, `dE_dw`,
/// `weight_new`, every factor a number, `null` where it does not exist). Numbers are unrounded;
/// a non-finite one is `null`.
impl Serialize for Derivation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json().serialize(serializer)
    }
}

impl Block {
    fn json(&self) -> Value {
        match self {
            Block::Formula(Formula { expression, label, raw, value, .. }) => {
                let plain = expression.text();
                let parts: Vec<&str> = plain.split(" = ").collect();
                // `lhs = symbolic = numbers = value`; shorter formulas leave parts out.
                let middle = &parts[1..parts.len().saturating_sub(1).max(1)];
                json!({
                    "kind": "formula",
                    "text": plain,
                    "latex": expression.latex(),
                    "lhs": parts[0],
                    "symbolic": middle.first(),
                    "numbers": middle.get(1),
                    "value": finite(*value),
                    "label": label,
                    "raw": finite(*raw),
                })
            }
            Block::Note(note) => json!({ "kind": "note", "text": note }),
            Block::Table(rows) => {
                let rows: Vec<Value> = rows
                    .iter()
                    .map(|row| {
                        let values = &row.values;
                        json!({
                            "param": row.parameter,
                            "weight": finite(Some(values.weight)),
                            "dE_da": finite(values.de_da),
                            "da_dz": finite(values.da_dz),
                            "dz_dw": finite(Some(values.dz_dw)),
                            "dE_dw": finite(Some(values.de_dw)),
                            "weight_new": finite(Some(values.updated)),
                        })
                    })
                    .collect();
                json!({ "kind": "table", "rows": rows })
            }
        }
    }
}

/// A number for JSON: `null` when absent or not finite.
fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|value| value.is_finite())
}

/// `, file value 5.1, standardized` after an input's column name.
fn raw_text(raw: &Option<f64>) -> String {
    raw.map(|raw| format!(" = {}, standardized", super::math::given(raw))).unwrap_or_default()
}

/// A column or class name after a formula, as code so that it shows as written, and the
/// file's value of a standardized input.
fn markdown_label(label: &Option<String>, raw: &Option<f64>) -> String {
    label.as_ref().map(|label| format!(" (`{label}`{})", raw_text(raw))).unwrap_or_default()
}

/// The rows in aligned columns, indented like the formulas.
fn text_table(rows: &[ParameterRow]) -> Vec<String> {
    let all_cells: Vec<[&str; 6]> =
        std::iter::once(TABLE_HEADER).chain(rows.iter().map(ParameterRow::cells)).collect();
    let widths: Vec<usize> = (0..TABLE_HEADER.len())
        .map(|column| {
            all_cells.iter().map(|cells| cells[column].chars().count()).max().unwrap_or(0)
        })
        .collect();
    all_cells
        .iter()
        .map(|cells| {
            let padded: Vec<String> =
                cells.iter().zip(&widths).map(|(cell, &width)| format!("{cell:<width$}")).collect();
            format!("  {}", padded.join("  ").trim_end())
        })
        .collect()
}

fn markdown_table(rows: &[ParameterRow]) -> String {
    let mut lines = vec![
        format!("| {} |", TABLE_HEADER.join(" | ")),
        format!("|{}", "---|".repeat(TABLE_HEADER.len())),
    ];
    lines.extend(rows.iter().map(|row| format!("| {} |", row.cells().join(" | "))));
    lines.join("\n")
}
