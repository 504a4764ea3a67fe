//! Where everything goes: the picture as a list of [`Shape`]s in pixels, and the boxes of its
//! labels (which the tests check for overlaps).
//!
//! Labelled networks: column `c` at x = left + c·gap, neuron `i` of a column of n at
//! y = middle + (i − (n − 1)/2)·row. An edge's label sits on the edge at the fraction t of
//! the way from its source: t = ½ for a level edge (the label just above it), t = ¼ for an
//! edge going down and ¾ for one going up, so that two edges that cross (x1 → h2 and
//! x2 → h1) carry their labels at different places, neither at the crossing. Each neuron's
//! bias and numbers (z, a, ∂E/∂z) sit in a box above it; the inputs' names and values left of
//! them, the outputs' right of them. The gap and the row height are computed from the widest
//! and tallest label so that none of them overlap.

use mlp_train::explain::Symbol;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, RGBColor};

use super::{given, Diagram, MAX_DRAWN_NEURONS};
use crate::FONT;

/// Text size of labels, in pixels.
const FONT_SIZE: f64 = 15.0;
/// Text size of the title.
const TITLE_SIZE: f64 = 19.0;
/// Height of one line of label text.
const LINE_HEIGHT: i32 = 19;
/// Space between a box's border and its text.
const PAD: i32 = 5;
/// A labelled neuron's radius.
const RADIUS: i32 = 24;
/// A neuron's radius in a picture without labels.
const SMALL_RADIUS: i32 = 7;
/// Vertical distance between neurons in a picture without labels.
const SMALL_ROW: i32 = 22;
/// Horizontal distance between columns in a picture without labels.
const SMALL_GAP: i32 = 240;
/// The edge label's position along a level edge, one going down and one going up.
const LEVEL_FRACTION: f64 = 0.5;
const DOWN_FRACTION: f64 = 0.25;
const UP_FRACTION: f64 = 0.75;
/// Where else an edge's label may go when its own place is taken by another label.
const FALLBACK_FRACTIONS: [f64; 10] = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.15, 0.85, 0.1];

pub(super) const BLACK: RGBColor = RGBColor(0, 0, 0);
pub(super) const WHITE: RGBColor = RGBColor(255, 255, 255);
const GREY: RGBColor = RGBColor(90, 90, 90);
const LIGHT_GREY: RGBColor = RGBColor(150, 150, 150);
/// ∂E/∂w > 0: the step lowers w.
pub(super) const POSITIVE: RGBColor = RGBColor(200, 40, 40);
/// ∂E/∂w < 0: the step raises w.
pub(super) const NEGATIVE: RGBColor = RGBColor(30, 90, 200);
const NEURON_FILL: RGBColor = RGBColor(235, 242, 250);
/// The ends of the scale of a picture without labels: small to large magnitudes.
const SCALE_LOW: RGBColor = RGBColor(225, 228, 235);
const SCALE_HIGH: RGBColor = RGBColor(8, 40, 110);

/// A point in pixels, y down.
pub(super) type Point = (i32, i32);

/// One thing to draw.
#[derive(Clone)]
pub(super) enum Shape {
    Line { from: Point, to: Point, colour: RGBColor, width: u32 },
    Circle { centre: Point, radius: i32, fill: RGBColor, stroke: RGBColor },
    Rect { top_left: Point, bottom_right: Point, fill: RGBColor, stroke: Option<RGBColor> },
    Text { at: Point, text: String, size: f64, anchor: (HPos, VPos), colour: RGBColor },
}

/// A label's box, for the overlap checks.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LabelBox {
    /// The label's first line.
    pub(super) text: String,
    pub(super) top_left: Point,
    pub(super) bottom_right: Point,
}

impl LabelBox {
    pub(super) fn overlaps(&self, other: &LabelBox) -> bool {
        self.top_left.0 < other.bottom_right.0
            && other.top_left.0 < self.bottom_right.0
            && self.top_left.1 < other.bottom_right.1
            && other.top_left.1 < self.bottom_right.1
    }
}

/// The picture laid out.
#[derive(Clone)]
pub(super) struct Layout {
    pub(super) size: (u32, u32),
    pub(super) shapes: Vec<Shape>,
    pub(super) labels: Vec<LabelBox>,
}

/// The width and height of `text` at `size` in the bundled font.
fn text_size(text: &str, size: f64) -> (i32, i32) {
    let font = FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Normal);
    match font.box_size(text) {
        Ok((width, height)) => (width as i32, height as i32),
        // The bundled font always lays out; a rough guess otherwise.
        Err(_) => ((text.chars().count() as f64 * size * 0.6) as i32, size as i32),
    }
}

fn text_width(text: &str) -> i32 {
    text_size(text, FONT_SIZE).0
}

/// Lines of text in a box: its size.
fn box_size(lines: &[String]) -> (i32, i32) {
    let width = lines.iter().map(|line| text_width(line)).max().unwrap_or(0);
    (width + 2 * PAD, lines.len() as i32 * LINE_HEIGHT + 2 * PAD)
}

/// `W5 = 0.45`; `0.45` for a number that rounds to nothing.
fn named(name: &str, value: &str) -> String {
    format!("{name} = {value}")
}

impl Diagram {
    /// The activation `a` of neuron `j` (0-based) of `layer`: `h1`, `h2_1` or `o1`, as
    /// `mlp explain` names it.
    fn neuron_symbol(&self, layer: usize, j: usize) -> Symbol {
        let n_layers = self.network.layers().len();
        match (layer + 1 == n_layers, n_layers > 2) {
            (true, _) => Symbol::Output(j + 1),
            (false, false) => Symbol::Hidden { layer: None, neuron: j + 1 },
            (false, true) => Symbol::Hidden { layer: Some(layer + 1), neuron: j + 1 },
        }
    }

    /// The neuron in column `column` (0 = inputs), row `j`: `x1`, `h1`, `o1`.
    fn column_neuron(&self, column: usize, j: usize) -> String {
        match column {
            0 => Symbol::Input(j + 1).to_string(),
            _ => self.neuron_symbol(column - 1, j).to_string(),
        }
    }

    /// `inputs`, `hidden layer 1 (sigmoid)`, `outputs (softmax)`.
    fn column_heading(&self, column: usize) -> String {
        let layers = self.network.layers();
        match column {
            0 => "inputs".to_owned(),
            c if c == layers.len() => format!("outputs ({})", layers[c - 1].activation().name()),
            c => {
                let activation = layers[c - 1].activation();
                match layers.len() > 2 {
                    true => format!("hidden layer {c} ({})", activation.name()),
                    false => format!("hidden layer ({})", activation.name()),
                }
            }
        }
    }

    fn title(&self) -> String {
        let sizes: Vec<String> = self.network.sizes().iter().map(usize::to_string).collect();
        let activations: Vec<&str> =
            self.network.layers().iter().map(|dense| dense.activation().name()).collect();
        let activations = activations.join(" → ");
        format!("network {}: {activations}, loss {}", sizes.join("-"), self.network.loss().name())
    }

    /// The label of weight `from → to` of `layer`: name and value, ∂E/∂w, w⁺.
    fn edge_lines(&self, layer: usize, to: usize, from: usize) -> Vec<String> {
        let id = mlp_core::ParamId { layer, to, from: Some(from) };
        self.parameter_lines(id)
    }

    fn parameter_lines(&self, id: mlp_core::ParamId) -> Vec<String> {
        let name = self.names.name(id);
        let value = self.network.parameter(id).unwrap_or(f64::NAN);
        let mut lines = vec![named(name, &given(value))];
        if let Some(numbers) = self.sample.as_ref().and_then(|s| s.parameters.get(&id)) {
            lines.push(named(&format!("∂E/∂{name}"), &numbers.de_dw.text));
            if self.show_step {
                lines.push(named(&format!("{name}⁺"), &numbers.updated.text));
            }
        }
        lines
    }

    /// The box above neuron `j` of `layer`: its bias, then z, a and ∂E/∂z of the sample.
    fn neuron_lines(&self, layer: usize, j: usize) -> Vec<String> {
        let dense = &self.network.layers()[layer];
        let mut lines = Vec::new();
        if dense.bias().is_some() {
            lines.extend(self.parameter_lines(mlp_core::ParamId { layer, to: j, from: None }));
        }
        if let Some(sample) = &self.sample {
            let numbers = &sample.neurons[layer][j];
            let z_number: usize =
                self.network.layers()[..layer].iter().map(|d| d.n_outputs()).sum::<usize>() + j + 1;
            let z = Symbol::PreActivation(z_number).to_string();
            let a = self.neuron_symbol(layer, j).to_string();
            lines.push(named(&z, &numbers.z.text));
            lines.push(named(&a, &numbers.a.text));
            lines.push(named(&format!("∂E/∂{z}"), &numbers.de_dz.text));
        }
        lines
    }

    /// The text beside input `i`: its column name (when not `x1` itself) and its value.
    fn input_lines(&self, i: usize) -> Vec<String> {
        let mut lines = Vec::new();
        let raw = self.sample.as_ref().and_then(|sample| sample.raw_inputs[i]);
        if let Some(name) = self.input_names.get(i) {
            match raw {
                Some(raw) => lines.push(named(name, &given(raw))),
                None if *name != Symbol::Input(i + 1).to_string() => lines.push(name.clone()),
                None => {}
            }
        }
        if let Some(sample) = &self.sample {
            lines.push(sample.inputs[i].clone());
        }
        lines
    }

    /// The text beside output `k`: its target or class name (when not `o1`) and its target.
    fn output_lines(&self, k: usize) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(name) = self.output_names.get(k) {
            if *name != Symbol::Target(k + 1).to_string() || self.sample.is_none() {
                lines.push(name.clone());
            }
        }
        if let Some(sample) = &self.sample {
            lines.push(sample.targets[k].clone());
        }
        lines
    }
}

/// Shapes and label boxes, appended to as the picture is laid out.
#[derive(Default)]
struct Canvas {
    shapes: Vec<Shape>,
    labels: Vec<LabelBox>,
}

impl Canvas {
    fn text(&mut self, at: Point, text: &str, size: f64, anchor: (HPos, VPos), colour: RGBColor) {
        self.shapes.push(Shape::Text { at, text: text.to_owned(), size, anchor, colour });
    }

    /// A white box with a border holding `lines`, centred at `centre`.
    fn label_box(&mut self, centre: Point, lines: &[String], border: Option<RGBColor>) {
        let (width, height) = box_size(lines);
        let top_left = (centre.0 - width / 2, centre.1 - height / 2);
        let bottom_right = (top_left.0 + width, top_left.1 + height);
        self.shapes.push(Shape::Rect { top_left, bottom_right, fill: WHITE, stroke: border });
        self.lines_at((centre.0, top_left.1 + PAD), lines, HPos::Center);
        self.labels.push(LabelBox {
            text: lines.first().cloned().unwrap_or_default(),
            top_left,
            bottom_right,
        });
    }

    /// [`Canvas::label_box`] at the first of `centres` where it overlaps no label placed
    /// before, or at the first when none is free.
    fn place_label_box(&mut self, centres: &[Point], lines: &[String], border: Option<RGBColor>) {
        let (width, height) = box_size(lines);
        let free = centres.iter().copied().find(|centre| {
            let top_left = (centre.0 - width / 2, centre.1 - height / 2);
            let candidate = LabelBox {
                text: String::new(),
                top_left,
                bottom_right: (top_left.0 + width, top_left.1 + height),
            };
            !self.labels.iter().any(|placed| placed.overlaps(&candidate))
        });
        self.label_box(free.unwrap_or(centres[0]), lines, border);
    }

    /// `lines` from `top` down, aligned at `top.0` by `h_pos`, without a box (recorded as
    /// one for the overlap checks).
    fn lines_at(&mut self, top: Point, lines: &[String], h_pos: HPos) {
        for (k, line) in lines.iter().enumerate() {
            let y = top.1 + k as i32 * LINE_HEIGHT + LINE_HEIGHT / 2;
            self.text((top.0, y), line, FONT_SIZE, (h_pos, VPos::Center), BLACK);
        }
    }

    fn free_lines(&mut self, top: Point, lines: &[String], h_pos: HPos) {
        if lines.is_empty() {
            return;
        }
        self.lines_at(top, lines, h_pos);
        let width = lines.iter().map(|line| text_width(line)).max().unwrap_or(0);
        let left = match h_pos {
            HPos::Left => top.0,
            HPos::Center => top.0 - width / 2,
            HPos::Right => top.0 - width,
        };
        self.labels.push(LabelBox {
            text: lines[0].clone(),
            top_left: (left, top.1),
            bottom_right: (left + width, top.1 + lines.len() as i32 * LINE_HEIGHT),
        });
    }
}

impl Layout {
    pub(super) fn new(diagram: &Diagram) -> Layout {
        crate::register_font();
        match diagram.is_labelled() {
            true => {
                // Wider gaps and taller rows until no two labels overlap (the tutorial's
                // network needs none), at most three times.
                let mut layout = Layout::labelled(diagram, 1.0);
                for stretch in [1.4, 1.8, 2.2] {
                    if layout.overlapping_labels().is_none() {
                        break;
                    }
                    layout = Layout::labelled(diagram, stretch);
                }
                layout
            }
            false => Layout::shaded(diagram),
        }
    }

    /// The first two labels that overlap, if any.
    pub(super) fn overlapping_labels(&self) -> Option<(&LabelBox, &LabelBox)> {
        self.labels.iter().enumerate().find_map(|(k, first)| {
            self.labels[k + 1..]
                .iter()
                .find(|second| first.overlaps(second))
                .map(|second| (first, second))
        })
    }

    /// Every neuron, edge and number written out, the gaps and rows `stretch` times as large
    /// as the labels need.
    fn labelled(diagram: &Diagram, stretch: f64) -> Layout {
        let sizes = diagram.network.sizes();
        let n_columns = sizes.len();
        let layers = diagram.network.layers();
        let mut edge_box = (0, 0);
        for (layer, dense) in layers.iter().enumerate() {
            for to in 0..dense.n_outputs() {
                for from in 0..dense.n_inputs() {
                    let (width, height) = box_size(&diagram.edge_lines(layer, to, from));
                    edge_box = (edge_box.0.max(width), edge_box.1.max(height));
                }
            }
        }
        let mut neuron_box = (0, 0);
        for (layer, dense) in layers.iter().enumerate() {
            for j in 0..dense.n_outputs() {
                let (width, height) = box_size(&diagram.neuron_lines(layer, j));
                neuron_box = (neuron_box.0.max(width), neuron_box.1.max(height));
            }
        }
        // Labels at ¼ and ¾ of a gap side by side, a neuron's box beside the level labels.
        let gap = (2 * edge_box.0 + 60).max(edge_box.0 + neuron_box.0 + 60).max(240);
        // A label going down below a level one; a neuron's box under the neuron above it,
        // and above the labels of the edges coming up into the neuron above it.
        let row = (2 * edge_box.1 + 30)
            .max(neuron_box.1 + 2 * RADIUS + 30)
            .max((4 * (neuron_box.1 + edge_box.1 / 2 + RADIUS + 16)) / 3)
            .max(110);
        let (gap, row) = ((f64::from(gap) * stretch) as i32, (f64::from(row) * stretch) as i32);
        let side_width =
            |lines: Vec<String>| lines.iter().map(|l| text_width(l)).max().unwrap_or(0);
        let left_text =
            (0..sizes[0]).map(|i| side_width(diagram.input_lines(i))).max().unwrap_or(0);
        let right_text = (0..sizes[n_columns - 1])
            .map(|k| side_width(diagram.output_lines(k)))
            .max()
            .unwrap_or(0);
        let left = 30 + left_text + RADIUS + 12;
        let max_n = sizes.iter().copied().max().unwrap_or(1) as i32;
        let title_height = if diagram.sample.is_some() { 70 } else { 48 };
        let top = title_height + neuron_box.1 + RADIUS + 16;
        let middle = top + (max_n - 1) * row / 2;
        let x = |column: usize| left + column as i32 * gap;
        let y = |column: usize, i: usize| {
            middle + ((2 * i as i32 - (sizes[column] as i32 - 1)) * row) / 2
        };
        let bottom_of_neurons = middle + (max_n - 1) * row / 2 + RADIUS;
        let legend_top = bottom_of_neurons + 50;
        let legend_height = if diagram.sample.is_some() { 3 * LINE_HEIGHT + 10 } else { 10 };
        let height = legend_top + legend_height + 10;
        let title = diagram.title();
        let subtitle = diagram.sample.as_ref().map(|sample| sample.title.clone());
        let legend = legend_lines(diagram);
        let content_width = x(n_columns - 1) + RADIUS + 12 + right_text + 30;
        let text_widths = std::iter::once(text_size(&title, TITLE_SIZE).0 + 40)
            .chain(subtitle.iter().map(|s| text_width(s) + 40))
            .chain(legend.iter().map(|(_, line)| text_width(line) + 100));
        let width = text_widths.fold(content_width, i32::max);

        let mut canvas = Canvas::default();
        canvas.text((20, 24), &title, TITLE_SIZE, (HPos::Left, VPos::Center), BLACK);
        if let Some(subtitle) = &subtitle {
            canvas.text((20, 52), subtitle, FONT_SIZE, (HPos::Left, VPos::Center), GREY);
        }

        // Edges first, under everything; the thickest on top.
        let largest_gradient = diagram.largest_gradient();
        let mut edges = Vec::new();
        for (layer, dense) in layers.iter().enumerate() {
            for to in 0..dense.n_outputs() {
                for from in 0..dense.n_inputs() {
                    let id = mlp_core::ParamId { layer, to, from: Some(from) };
                    let (colour, width) = diagram.edge_style(id, largest_gradient);
                    let from_point = (x(layer), y(layer, from));
                    let to_point = (x(layer + 1), y(layer + 1, to));
                    edges.push((width, from_point, to_point, colour, layer, to, from));
                }
            }
        }
        edges.sort_by_key(|edge| edge.0);
        for &(width, from, to, colour, ..) in &edges {
            canvas.shapes.push(Shape::Line { from, to, colour, width });
        }
        for column in 0..n_columns {
            for j in 0..sizes[column] {
                canvas.shapes.push(Shape::Circle {
                    centre: (x(column), y(column, j)),
                    radius: RADIUS,
                    fill: NEURON_FILL,
                    stroke: BLACK,
                });
                let name = diagram.column_neuron(column, j);
                canvas.text(
                    (x(column), y(column, j)),
                    &name,
                    FONT_SIZE + 2.0,
                    (HPos::Center, VPos::Center),
                    BLACK,
                );
            }
        }
        // The boxes above the neurons, the names and values beside the inputs and outputs.
        for (layer, dense) in layers.iter().enumerate() {
            for j in 0..dense.n_outputs() {
                let lines = diagram.neuron_lines(layer, j);
                if lines.is_empty() {
                    continue;
                }
                let (column, row_y) = (layer + 1, y(layer + 1, j));
                let height = box_size(&lines).1;
                canvas.label_box(
                    (x(column), row_y - RADIUS - 6 - height / 2),
                    &lines,
                    Some(LIGHT_GREY),
                );
            }
        }
        for i in 0..sizes[0] {
            let lines = diagram.input_lines(i);
            let top = y(0, i) - lines.len() as i32 * LINE_HEIGHT / 2;
            canvas.free_lines((x(0) - RADIUS - 12, top), &lines, HPos::Right);
        }
        let last = n_columns - 1;
        for k in 0..sizes[last] {
            let lines = diagram.output_lines(k);
            let top = y(last, k) - lines.len() as i32 * LINE_HEIGHT / 2;
            canvas.free_lines((x(last) + RADIUS + 12, top), &lines, HPos::Left);
        }
        // Edge labels on their edges, after the boxes they must not cover: at their own
        // fraction when it is free, else at the first free one of FALLBACK_FRACTIONS.
        for &(_, from, to, colour, layer, to_neuron, from_neuron) in &edges {
            let lines = diagram.edge_lines(layer, to_neuron, from_neuron);
            let rise = to.1 - from.1;
            let (fraction, above) = match rise {
                rise if rise.abs() < row / 4 => (LEVEL_FRACTION, true),
                rise if rise > 0 => (DOWN_FRACTION, false),
                _ => (UP_FRACTION, false),
            };
            let height = box_size(&lines).1;
            let centre = |fraction: f64| {
                let along = |a: i32, b: i32| a + ((b - a) as f64 * fraction).round() as i32;
                let lift = if above { height / 2 + 4 } else { 0 };
                (along(from.0, to.0), along(from.1, to.1) - lift)
            };
            let candidates =
                std::iter::once(fraction).chain(FALLBACK_FRACTIONS).map(centre).collect::<Vec<_>>();
            canvas.place_label_box(&candidates, &lines, Some(colour));
        }
        for column in 0..n_columns {
            let heading = diagram.column_heading(column);
            canvas.text(
                (x(column), bottom_of_neurons + 24),
                &heading,
                FONT_SIZE,
                (HPos::Center, VPos::Center),
                GREY,
            );
        }
        for (k, (colour, line)) in legend.iter().enumerate() {
            let y = legend_top + k as i32 * LINE_HEIGHT + LINE_HEIGHT / 2;
            if let Some(colour) = colour {
                canvas.shapes.push(Shape::Line {
                    from: (20, y),
                    to: (60, y),
                    colour: *colour,
                    width: 4,
                });
            }
            canvas.text((70, y), line, FONT_SIZE, (HPos::Left, VPos::Center), BLACK);
        }
        Layout { size: (width as u32, height as u32), shapes: canvas.shapes, labels: canvas.labels }
    }

    /// Edges only, shaded by magnitude, with the scale; large layers sampled.
    fn shaded(diagram: &Diagram) -> Layout {
        let sizes = diagram.network.sizes();
        let n_columns = sizes.len();
        let drawn: Vec<Vec<Option<usize>>> = sizes.iter().map(|&n| drawn_neurons(n)).collect();
        let max_slots = drawn.iter().map(Vec::len).max().unwrap_or(1) as i32;
        let top = 90;
        let left = 80;
        let middle = top + (max_slots - 1) * SMALL_ROW / 2;
        let x = |column: usize| left + column as i32 * SMALL_GAP;
        let y = |column: usize, slot: usize| {
            middle + ((2 * slot as i32 - (drawn[column].len() as i32 - 1)) * SMALL_ROW) / 2
        };
        let bottom_of_neurons = middle + (max_slots - 1) * SMALL_ROW / 2 + SMALL_RADIUS;
        let title = diagram.title();
        let (scale_name, magnitudes) = diagram.edge_magnitudes();
        let largest = magnitudes.iter().map(|(_, m)| *m).fold(0.0_f64, f64::max);
        let note = format!(
            "edges only: too many to label (more than {} neurons in a layer or {} weights); \
             colour = {scale_name}",
            super::MAX_LABELLED_NEURONS,
            super::MAX_LABELLED_EDGES
        );
        let subtitle = diagram.sample.as_ref().map(|sample| sample.title.clone());
        let headings: Vec<Vec<String>> = (0..n_columns)
            .map(|column| {
                let n = sizes[column];
                let mut lines = vec![diagram.column_heading(column), format!("{n} neurons")];
                if n > MAX_DRAWN_NEURONS {
                    let half = MAX_DRAWN_NEURONS / 2;
                    lines.push(format!(
                        "{MAX_DRAWN_NEURONS} drawn: 1–{half}, …, {}–{n}",
                        n - half + 1
                    ));
                }
                lines
            })
            .collect();
        let legend_top = bottom_of_neurons + 30 + 3 * LINE_HEIGHT + 20;
        let height = legend_top + 70;
        let content_width = x(n_columns - 1) + 100;
        let width = [
            content_width,
            text_size(&title, TITLE_SIZE).0 + 40,
            text_width(&note) + 40,
            subtitle.as_ref().map_or(0, |s| text_width(s) + 40),
            460,
        ]
        .into_iter()
        .fold(0, i32::max);

        let mut canvas = Canvas::default();
        canvas.text((20, 24), &title, TITLE_SIZE, (HPos::Left, VPos::Center), BLACK);
        canvas.text((20, 50), &note, FONT_SIZE, (HPos::Left, VPos::Center), GREY);
        if let Some(subtitle) = &subtitle {
            canvas.text((20, 72), subtitle, FONT_SIZE, (HPos::Left, VPos::Center), GREY);
        }
        // The weakest edges first, so that the strong ones are seen.
        let mut edges = Vec::new();
        for ((layer, to, from), magnitude) in magnitudes {
            let from_slot = drawn[layer].iter().position(|&n| n == Some(from));
            let to_slot = drawn[layer + 1].iter().position(|&n| n == Some(to));
            if let (Some(from_slot), Some(to_slot)) = (from_slot, to_slot) {
                let shade = if largest > 0.0 { magnitude / largest } else { 0.0 };
                edges.push((
                    shade,
                    (x(layer), y(layer, from_slot)),
                    (x(layer + 1), y(layer + 1, to_slot)),
                ));
            }
        }
        edges.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (shade, from, to) in edges {
            canvas.shapes.push(Shape::Line { from, to, colour: scale_colour(shade), width: 1 });
        }
        for (column, slots) in drawn.iter().enumerate() {
            for (slot, neuron) in slots.iter().enumerate() {
                let centre = (x(column), y(column, slot));
                match neuron {
                    Some(_) => canvas.shapes.push(Shape::Circle {
                        centre,
                        radius: SMALL_RADIUS,
                        fill: NEURON_FILL,
                        stroke: BLACK,
                    }),
                    None => canvas.text(
                        centre,
                        "…",
                        FONT_SIZE + 4.0,
                        (HPos::Center, VPos::Center),
                        BLACK,
                    ),
                }
            }
            for (k, line) in headings[column].iter().enumerate() {
                let at = (x(column), bottom_of_neurons + 20 + k as i32 * LINE_HEIGHT);
                canvas.text(at, line, FONT_SIZE, (HPos::Center, VPos::Center), GREY);
            }
        }
        // The scale: a bar from 0 to the largest magnitude.
        let (bar_left, bar_width, bar_top) = (20, 300, legend_top + 8);
        for step in 0..bar_width {
            let shade = f64::from(step) / f64::from(bar_width - 1);
            canvas.shapes.push(Shape::Line {
                from: (bar_left + step, bar_top),
                to: (bar_left + step, bar_top + 14),
                colour: scale_colour(shade),
                width: 1,
            });
        }
        canvas.text(
            (bar_left, bar_top - 10),
            &format!("edge colour: {scale_name}"),
            FONT_SIZE,
            (HPos::Left, VPos::Center),
            BLACK,
        );
        canvas.text((bar_left, bar_top + 28), "0", FONT_SIZE, (HPos::Left, VPos::Center), BLACK);
        canvas.text(
            (bar_left + bar_width, bar_top + 28),
            &short_number(largest),
            FONT_SIZE,
            (HPos::Right, VPos::Center),
            BLACK,
        );
        Layout { size: (width as u32, height as u32), shapes: canvas.shapes, labels: canvas.labels }
    }
}

/// The neurons drawn of a layer of `n`: all, or the first and last half of
/// [`MAX_DRAWN_NEURONS`] with a gap (`None`) between them.
pub(super) fn drawn_neurons(n: usize) -> Vec<Option<usize>> {
    if n <= MAX_DRAWN_NEURONS {
        return (0..n).map(Some).collect();
    }
    let half = MAX_DRAWN_NEURONS / 2;
    (0..half).map(Some).chain(std::iter::once(None)).chain((n - half..n).map(Some)).collect()
}

/// The colour of the scale at `shade` in [0, 1].
fn scale_colour(shade: f64) -> RGBColor {
    let shade = shade.clamp(0.0, 1.0);
    let mix = |low: u8, high: u8| {
        (f64::from(low) + (f64::from(high) - f64::from(low)) * shade).round() as u8
    };
    RGBColor(
        mix(SCALE_LOW.0, SCALE_HIGH.0),
        mix(SCALE_LOW.1, SCALE_HIGH.1),
        mix(SCALE_LOW.2, SCALE_HIGH.2),
    )
}

/// The legend of a labelled picture: a colour (for a line sample) and a sentence.
fn legend_lines(diagram: &Diagram) -> Vec<(Option<RGBColor>, String)> {
    let Some(_) = &diagram.sample else { return Vec::new() };
    vec![
        (Some(POSITIVE), "∂E/∂w > 0: the step w⁺ = w − η·∂E/∂w lowers w".to_owned()),
        (Some(NEGATIVE), "∂E/∂w < 0: the step raises w".to_owned()),
        (None, "edge width grows with |∂E/∂w|".to_owned()),
    ]
}

impl Diagram {
    /// The largest |∂E/∂w| of the sample's weights, 0 without a sample.
    pub(super) fn largest_gradient(&self) -> f64 {
        self.sample.as_ref().map_or(0.0, |sample| {
            sample
                .parameters
                .iter()
                .filter(|(id, _)| !id.is_bias())
                .map(|(_, numbers)| numbers.de_dw.value.abs())
                .filter(|value| value.is_finite())
                .fold(0.0, f64::max)
        })
    }

    /// A labelled edge's colour and width: by the sign and size of ∂E/∂w with a sample
    /// (1 to 7 pixels), dark grey and 2 pixels without.
    pub(super) fn edge_style(&self, id: mlp_core::ParamId, largest: f64) -> (RGBColor, u32) {
        let Some(numbers) = self.sample.as_ref().and_then(|s| s.parameters.get(&id)) else {
            return (GREY, 2);
        };
        let gradient = numbers.de_dw.value;
        let colour = match gradient {
            g if g > 0.0 => POSITIVE,
            g if g < 0.0 => NEGATIVE,
            _ => LIGHT_GREY,
        };
        let share = if largest > 0.0 { (gradient.abs() / largest).min(1.0) } else { 0.0 };
        (colour, 1 + (share * 6.0).round() as u32)
    }

    /// What the edges of a picture without labels are shaded by, and per weight
    /// (layer, to, from) its magnitude: |∂E/∂w| with a sample, else |w|.
    #[allow(clippy::type_complexity)]
    fn edge_magnitudes(&self) -> (&'static str, Vec<((usize, usize, usize), f64)>) {
        let mut magnitudes = Vec::new();
        for (layer, dense) in self.network.layers().iter().enumerate() {
            for to in 0..dense.n_outputs() {
                for from in 0..dense.n_inputs() {
                    let id = mlp_core::ParamId { layer, to, from: Some(from) };
                    let magnitude = match &self.sample {
                        Some(sample) => sample.parameters.get(&id).map_or(0.0, |n| n.de_dw.value),
                        None => dense.weights()[(to, from)],
                    };
                    magnitudes.push(((layer, to, from), magnitude.abs()));
                }
            }
        }
        let name = if self.sample.is_some() { "|∂E/∂w| of the sample" } else { "|w|" };
        (name, magnitudes)
    }
}

/// `2.166`, `0.0004321`, `1.234e-7`: four significant digits, in exponent form outside
/// [1e-4, 1e5).
pub(super) fn short_number(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return value.to_string();
    }
    let magnitude = value.abs();
    if (1e-4..1e5).contains(&magnitude) {
        let decimals = (3 - magnitude.log10().floor() as i32).max(0) as usize;
        format!("{value:.decimals$}")
    } else {
        format!("{value:.3e}")
    }
}
