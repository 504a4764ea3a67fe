//! Pictures of `mlp` runs and networks, as SVG or PNG, drawn in pure Rust with
//! [`plotters`] and a font bundled in the crate (DejaVu Sans, under the Bitstream Vera licence
//! in `fonts/LICENSE-DejaVu.txt`), so that no system font or fontconfig is needed.
//!
//! [`chart`] draws a run's history and layer summary log: loss and accuracy per epoch,
//! gradient norm and update ratio per layer on a log scale. [`diagram`] draws the network as
//! the tutorial draws it: neurons in columns, each edge labelled with its parameter and value,
//! and one sample's gradients.
//!
//! Every drawing names its text font [`FONT`]; [`register_font`] makes that name resolve to
//! the bundled font and is called by every drawing function before it draws.
#![warn(missing_docs)]

pub mod chart;
// The network drawn as the tutorial draws it, with one sample's gradients: `mlp draw`.
pub mod diagram;
pub mod font;
mod image;

pub use font::{register_font, FONT};
pub use image::ImageFormat;
