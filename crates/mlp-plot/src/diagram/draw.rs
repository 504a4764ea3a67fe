//! The laid-out shapes drawn on a plotters backend (SVG or bitmap).

use plotters::prelude::*;
use plotters::style::text_anchor::Pos;

use super::layout::{Layout, Shape, WHITE};
use super::DiagramError;
use crate::FONT;

/// Draws `layout` on `backend`, on a white background.
pub(super) fn draw<DB>(layout: &Layout, backend: DB) -> Result<(), DiagramError>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let root = backend.into_drawing_area();
    let error = |err: DrawingAreaErrorKind<DB::ErrorType>| DiagramError::Draw(Box::new(err));
    root.fill(&WHITE).map_err(error)?;
    for shape in &layout.shapes {
        match shape {
            Shape::Line { from, to, colour, width } => root
                .draw(&PathElement::new(vec![*from, *to], colour.stroke_width(*width)))
                .map_err(error)?,
            Shape::Circle { centre, radius, fill, stroke } => {
                root.draw(&Circle::new(*centre, *radius, fill.filled())).map_err(error)?;
                root.draw(&Circle::new(*centre, *radius, stroke.stroke_width(1))).map_err(error)?;
            }
            Shape::Rect { top_left, bottom_right, fill, stroke } => {
                root.draw(&Rectangle::new([*top_left, *bottom_right], fill.filled()))
                    .map_err(error)?;
                if let Some(stroke) = stroke {
                    root.draw(&Rectangle::new([*top_left, *bottom_right], stroke.stroke_width(1)))
                        .map_err(error)?;
                }
            }
            Shape::Text { at, text, size, anchor, colour } => {
                let style = TextStyle::from((FONT, *size).into_font())
                    .color(colour)
                    .pos(Pos::new(anchor.0, anchor.1));
                root.draw(&Text::new(text.as_str(), *at, style)).map_err(error)?;
            }
        }
    }
    root.present().map_err(error)?;
    Ok(())
}
