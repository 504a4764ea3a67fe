//! The floating-point types the maths runs in.

use std::fmt;

use nalgebra::RealField;

/// A floating-point type the network can compute in: `f64` (the default everywhere) or `f32`.
///
/// Matrix products of both go to `matrixmultiply`'s `dgemm`/`sgemm` through nalgebra.
pub trait Scalar:
    RealField + Copy + Default + fmt::Display + fmt::LowerExp + Send + Sync + 'static
{
    /// `x` rounded to this type.
    fn from_f64_value(x: f64) -> Self;
    /// This value widened (or kept) as an `f64`.
    fn to_f64_value(self) -> f64;
}

impl Scalar for f64 {
    #[inline]
    fn from_f64_value(x: f64) -> Self {
        x
    }
    #[inline]
    fn to_f64_value(self) -> f64 {
        self
    }
}

impl Scalar for f32 {
    #[inline]
    fn from_f64_value(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn to_f64_value(self) -> f64 {
        f64::from(self)
    }
}
