//! The bundled font, registered with plotters' `ab_glyph` text backend.

use std::sync::Once;

use plotters::style::{register_font as register, FontStyle};

/// The family name every drawing of this crate uses for its text.
pub const FONT: &str = "sans-serif";

/// DejaVu Sans (Bitstream Vera licence: `fonts/LICENSE-DejaVu.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// Makes [`FONT`] resolve to the bundled DejaVu Sans in every style plotters asks for. Cheap
/// after the first call; called by every drawing function before it draws.
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold, FontStyle::Italic, FontStyle::Oblique] {
            // The bundled file is a valid TrueType font: checked by the test below.
            let _ = register(FONT, style, DEJAVU_SANS);
        }
    });
}

#[cfg(test)]
mod tests {
    use plotters::prelude::*;

    use super::*;

    #[test]
    fn the_bundled_font_draws_text_into_a_bitmap() {
        register_font();
        let (width, height) = (120, 40);
        let mut pixels = vec![255_u8; width * height * 3];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, (width as u32, height as u32))
                .into_drawing_area();
            root.draw(&Text::new("W5 = 0.45", (4, 10), (FONT, 20).into_font()))
                .expect("text draws");
            root.present().expect("the bitmap is complete");
        }
        let dark = pixels.iter().filter(|&&value| value < 128).count();
        assert!(dark > 50, "the text left {dark} dark channel values");
    }
}
