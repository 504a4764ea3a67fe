//! placeholder
#![warn(missing_docs)]
/// Placeholder.
pub trait Scalar: nalgebra::RealField + Copy {}
impl Scalar for f64 {}
impl Scalar for f32 {}
