//! The derivation as sections of formulas and notes, rendered as plain text, as Markdown or as
//! JSON.

use serde_json::{json, Value};

use super::math;

/// A whole derivation: a title, notes on the whole of it, and its sections.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Document {
    pub(super) title: String,
    /// Sentences about the whole derivation (which η, which step), shown under the title.
    pub(super) notes: Vec<String>,
    pub(super) sections: Vec<Section>,
}

/// A heading and its blocks. In Markdown, the formulas of a `List` section become list items
/// with inline maths; those of a `Display` section, `$$…$$` blocks.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Section {
    pub(super) heading: String,
    pub(super) style: Style,
    pub(super) blocks: Vec<Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    List,
    Display,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Block {
    /// A formula, with a label such as a column name after it, the file's value before
    /// standardization (inputs only), and the value it computes or gives, unrounded.
    Formula { formula: String, label: Option<String>, raw: Option<f64>, value: Option<f64> },
    /// A sentence.
    Note(String),
    /// One row per parameter.
    Table(Vec<Row>),
}

/// One parameter's factors as printed: `None` where the factor is not one number per neuron.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    pub(super) parameter: String,
    pub(super) de_da: Option<String>,
    pub(super) da_dz: Option<String>,
    pub(super) dz_dw: String,
    pub(super) de_dw: String,
    pub(super) updated: String,
    /// The same factors unrounded, and the parameter before the update.
    pub(super) values: RowValues,
}

/// A [`Row`]'s numbers as computed, for JSON.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RowValues {
    pub(super) weight: f64,
    pub(super) de_da: Option<f64>,
    pub(super) da_dz: Option<f64>,
    pub(super) dz_dw: f64,
    pub(super) de_dw: f64,
    pub(super) updated: f64,
}

const TABLE_HEADER: [&str; 6] = ["parameter", "∂E/∂a", "∂a/∂z", "∂z/∂w", "∂E/∂w", "updated"];

impl Block {
    /// A formula without label whose result is `value`.
    pub(super) fn formula(formula: String, value: f64) -> Block {
        Block::Formula { formula, label: None, raw: None, value: Some(value) }
    }
}

impl Row {
    fn cells(&self) -> [&str; 6] {
        fn or_dash(cell: &Option<String>) -> &str {
            cell.as_deref().unwrap_or("—")
        }
        [
            &self.parameter,
            or_dash(&self.de_da),
            or_dash(&self.da_dz),
            &self.dz_dw,
            &self.de_dw,
            &self.updated,
        ]
    }
}

impl Document {
    /// Plain text: one formula per line, indented under its heading.
    pub(super) fn text(&self) -> String {
        let mut lines = vec![self.title.clone()];
        if !self.notes.is_empty() {
            lines.push(String::new());
            lines.extend(self.notes.iter().map(|note| format!("Note: {note}")));
        }
        for section in &self.sections {
            lines.extend([String::new(), section.heading.clone()]);
            for block in &section.blocks {
                match block {
                    Block::Formula { formula, label: None, .. } => {
                        lines.push(format!("  {}", math::plain(formula)));
                    }
                    Block::Formula { formula, label: Some(label), raw, .. } => {
                        let raw = raw_text(raw);
                        lines.push(format!("  {}  ({label}{raw})", math::plain(formula)));
                    }
                    Block::Note(note) => lines.push(format!("  ({note})")),
                    Block::Table(rows) => lines.extend(text_table(rows)),
                }
            }
        }
        lines.join("\n") + "\n"
    }

    /// Markdown for GitHub: a `###` heading, `####` sections, LaTeX in `$…$` and `$$…$$`.
    pub(super) fn markdown(&self) -> String {
        let mut paragraphs = vec![format!("### {}", self.title)];
        paragraphs.extend(self.notes.iter().map(|note| format!("> **Note:** {note}")));
        for section in &self.sections {
            paragraphs.push(format!("#### {}", section.heading));
            let mut list_items = Vec::new();
            for block in &section.blocks {
                if let (Style::List, Block::Formula { formula, label, raw, .. }) =
                    (section.style, block)
                {
                    list_items.push(format!(
                        "- ${}${}",
                        math::latex(formula),
                        markdown_label(label, raw)
                    ));
                    continue;
                }
                if !list_items.is_empty() {
                    paragraphs.push(list_items.join("\n"));
                    list_items.clear();
                }
                paragraphs.push(match block {
                    Block::Formula { formula, label, raw, .. } => {
                        format!("$${}$${}", math::latex(formula), markdown_label(label, raw))
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

    /// The document as JSON: `title`, `notes` and `sections`, each section a `heading` and
    /// `blocks`. A formula block holds its `text` and `latex`, its parts (`lhs`, `symbolic`,
    /// `numbers`, `null` where the formula has no such part), its unrounded `value`, and its
    /// `label` and `raw` file value where it has them; a table block holds one row per
    /// parameter with every factor a number (`null` where the factor does not exist).
    pub(super) fn json(&self) -> Value {
        let sections: Vec<Value> = self
            .sections
            .iter()
            .map(|section| {
                let blocks: Vec<Value> = section.blocks.iter().map(Block::json).collect();
                json!({ "heading": section.heading, "blocks": blocks })
            })
            .collect();
        json!({ "title": self.title, "notes": self.notes, "sections": sections })
    }
}

impl Block {
    fn json(&self) -> Value {
        match self {
            Block::Formula { formula, label, raw, value } => {
                let plain = math::plain(formula);
                let parts: Vec<&str> = plain.split(" = ").collect();
                // `lhs = symbolic = numbers = value`; shorter formulas leave parts out.
                let middle = &parts[1..parts.len().saturating_sub(1).max(1)];
                json!({
                    "kind": "formula",
                    "text": plain,
                    "latex": math::latex(formula),
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
pub(super) fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|value| value.is_finite())
}

/// `, file value 5.1, standardized` after an input's column name.
fn raw_text(raw: &Option<f64>) -> String {
    raw.map(|raw| format!(" = {}, standardized", math::given(raw))).unwrap_or_default()
}

/// A column or class name after a formula, as code so that it shows as written, and the
/// file's value of a standardized input.
fn markdown_label(label: &Option<String>, raw: &Option<f64>) -> String {
    label.as_ref().map(|label| format!(" (`{label}`{})", raw_text(raw))).unwrap_or_default()
}

/// The rows in aligned columns, indented like the formulas.
fn text_table(rows: &[Row]) -> Vec<String> {
    let all_cells: Vec<[&str; 6]> =
        std::iter::once(TABLE_HEADER).chain(rows.iter().map(Row::cells)).collect();
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

fn markdown_table(rows: &[Row]) -> String {
    let mut lines = vec![
        format!("| {} |", TABLE_HEADER.join(" | ")),
        format!("|{}", "---|".repeat(TABLE_HEADER.len())),
    ];
    lines.extend(rows.iter().map(|row| format!("| {} |", row.cells().join(" | "))));
    lines.join("\n")
}
