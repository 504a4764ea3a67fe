//! The derivation as sections of formulas and notes, rendered as plain text or as Markdown.

use super::math;

/// A whole derivation: a title and its sections.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Document {
    pub(super) title: String,
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
    /// A formula, with a label such as a column name after it.
    Formula { formula: String, label: Option<String> },
    /// A sentence.
    Note(String),
    /// One row per parameter.
    Table(Vec<Row>),
}

/// One parameter's factors: `None` where the factor is not one number per neuron.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    pub(super) parameter: String,
    pub(super) de_da: Option<String>,
    pub(super) da_dz: Option<String>,
    pub(super) dz_dw: String,
    pub(super) de_dw: String,
    pub(super) updated: String,
}

const TABLE_HEADER: [&str; 6] = ["parameter", "∂E/∂a", "∂a/∂z", "∂z/∂w", "∂E/∂w", "updated"];

impl Block {
    pub(super) fn formula(formula: String) -> Block {
        Block::Formula { formula, label: None }
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
        for section in &self.sections {
            lines.extend([String::new(), section.heading.clone()]);
            for block in &section.blocks {
                match block {
                    Block::Formula { formula, label: None } => {
                        lines.push(format!("  {}", math::plain(formula)));
                    }
                    Block::Formula { formula, label: Some(label) } => {
                        lines.push(format!("  {}  ({label})", math::plain(formula)));
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
        for section in &self.sections {
            paragraphs.push(format!("#### {}", section.heading));
            let mut list_items = Vec::new();
            for block in &section.blocks {
                if let (Style::List, Block::Formula { formula, label }) = (section.style, block) {
                    list_items.push(format!(
                        "- ${}${}",
                        math::latex(formula),
                        markdown_label(label)
                    ));
                    continue;
                }
                if !list_items.is_empty() {
                    paragraphs.push(list_items.join("\n"));
                    list_items.clear();
                }
                paragraphs.push(match block {
                    Block::Formula { formula, label } => {
                        format!("$${}$${}", math::latex(formula), markdown_label(label))
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
}

/// A column or class name after a formula, as code so that it shows as written.
fn markdown_label(label: &Option<String>) -> String {
    label.as_ref().map(|label| format!(" (`{label}`)")).unwrap_or_default()
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
