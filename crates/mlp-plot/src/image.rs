//! The picture formats, chosen by a file's extension, and the PNG encoding of a pixel buffer.

use std::path::Path;

/// The image file formats a chart or a diagram is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// PNG: 8-bit RGB pixels, the text drawn with the bundled DejaVu Sans.
    Png,
    /// SVG: a vector drawing whose text is `<text>` (searchable, selectable; the font family
    /// `sans-serif`).
    Svg,
}

impl ImageFormat {
    /// The format a file name's extension names (`.png`, `.svg`, in any case); `None` for
    /// another or no extension.
    ///
    /// ```
    /// use mlp_plot::ImageFormat;
    /// assert_eq!(ImageFormat::from_path("runs/loss.SVG"), Some(ImageFormat::Svg));
    /// assert_eq!(ImageFormat::from_path("loss.jpg"), None);
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Option<ImageFormat> {
        let extension = path.as_ref().extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "png" => Some(ImageFormat::Png),
            "svg" => Some(ImageFormat::Svg),
            _ => None,
        }
    }

    /// `png` or `svg`.
    pub const fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Svg => "svg",
        }
    }
}

/// `pixels` (RGB, 3 bytes a pixel, row by row, `width` × `height`) as a PNG file's bytes, at
/// the best compression: encoded in memory, so that the file is written whole.
pub(crate) fn encode_png(
    pixels: &[u8],
    width: u32,
    height: u32,
) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(bytes)
}
