//! Activations and losses from their names: the inverse of their `Display`.

use std::str::FromStr;

use crate::{Activation, Loss, ParseActivationError, ParseLossError};

impl Activation {
    /// Every name [`Activation::name`] gives, in the order of the variants. `leaky-relu` parses
    /// with PyTorch's slope ([`Activation::LEAKY_RELU`]); `leaky-relu(slope S)` with slope S.
    pub const NAMES: [&'static str; 6] =
        ["identity", "sigmoid", "tanh", "relu", "leaky-relu", "softmax"];
}

impl Loss {
    /// Every name [`Loss::name`] gives, in the order of the variants.
    pub const NAMES: [&'static str; 3] = ["sse", "mse", "cross-entropy"];
}

/// Parses a name as [`Activation::name`] writes it, or the `Display` form: `sigmoid`,
/// `leaky-relu` (slope 0.01), `leaky-relu(slope 0.2)`. Exact and case-sensitive;
/// `s.parse::<Activation>()` of `a.to_string()` gives `a` back for every finite slope.
///
/// ```
/// use mlp_core::Activation;
///
/// assert_eq!("tanh".parse::<Activation>()?, Activation::Tanh);
/// let leaky = Activation::LeakyRelu { slope: 0.2 };
/// assert_eq!(leaky.to_string().parse::<Activation>()?, leaky);
/// assert!("gelu".parse::<Activation>().unwrap_err().to_string().contains("sigmoid, tanh"));
/// # Ok::<(), mlp_core::ParseActivationError>(())
/// ```
impl FromStr for Activation {
    type Err = ParseActivationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let activation = match text {
            "identity" => Activation::Identity,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "relu" => Activation::Relu,
            "leaky-relu" => Activation::LEAKY_RELU,
            "softmax" => Activation::Softmax,
            _ => {
                let slope = text
                    .strip_prefix("leaky-relu(slope ")
                    .and_then(|rest| rest.strip_suffix(')'))
                    .ok_or_else(|| ParseActivationError::Unknown { found: text.to_owned() })?;
                match slope.parse::<f64>() {
                    Ok(value) if value.is_finite() => Activation::LeakyRelu { slope: value },
                    _ => return Err(ParseActivationError::BadSlope { found: slope.to_owned() }),
                }
            }
        };
        Ok(activation)
    }
}

/// Parses a name as [`Loss::name`] and `Display` write it: `sse`, `mse`, `cross-entropy`.
///
/// ```
/// use mlp_core::Loss;
///
/// assert_eq!("sse".parse::<Loss>()?, Loss::HalfSumSquared);
/// assert_eq!(Loss::CrossEntropy.to_string().parse::<Loss>()?, Loss::CrossEntropy);
/// # Ok::<(), mlp_core::ParseLossError>(())
/// ```
impl FromStr for Loss {
    type Err = ParseLossError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "sse" => Ok(Loss::HalfSumSquared),
            "mse" => Ok(Loss::MeanSquared),
            "cross-entropy" => Ok(Loss::CrossEntropy),
            _ => Err(ParseLossError { found: text.to_owned() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_ACTIVATIONS: [Activation; 6] = [
        Activation::Identity,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LEAKY_RELU,
        Activation::Softmax,
    ];

    #[test]
    fn every_activation_and_loss_reads_back_from_its_display_and_its_name() {
        for (activation, name) in ALL_ACTIVATIONS.into_iter().zip(Activation::NAMES) {
            assert_eq!(activation.name(), name);
            assert_eq!(name.parse::<Activation>(), Ok(activation));
            assert_eq!(activation.to_string().parse::<Activation>(), Ok(activation));
        }
        let slopes = [0.2, -0.5, 0.0, 1e300, 5e-324, 0.1 + 0.2, f64::MAX, -f64::MIN_POSITIVE];
        for slope in slopes {
            let leaky = Activation::LeakyRelu { slope };
            let parsed = leaky.to_string().parse::<Activation>().unwrap();
            let Activation::LeakyRelu { slope: read } = parsed else { panic!("{parsed:?}") };
            assert_eq!(read.to_bits(), slope.to_bits(), "{leaky}");
        }
        let losses = [Loss::HalfSumSquared, Loss::MeanSquared, Loss::CrossEntropy];
        for (loss, name) in losses.into_iter().zip(Loss::NAMES) {
            assert_eq!(loss.name(), name);
            assert_eq!(name.parse::<Loss>(), Ok(loss));
            assert_eq!(loss.to_string().parse::<Loss>(), Ok(loss));
        }
    }

    #[test]
    fn an_unknown_name_is_a_typed_error_listing_the_valid_names() {
        let err = "Sigmoid".parse::<Activation>().unwrap_err();
        assert_eq!(err, ParseActivationError::Unknown { found: "Sigmoid".to_owned() });
        assert_eq!(
            err.to_string(),
            "unknown activation `Sigmoid`; expected one of identity, sigmoid, tanh, relu, \
             leaky-relu, softmax, or leaky-relu(slope S)"
        );
        for text in ["", "leaky-relu(slope 0.1", "leaky-relu (slope 0.1)", "relu "] {
            let err = text.parse::<Activation>().unwrap_err();
            assert_eq!(err, ParseActivationError::Unknown { found: text.to_owned() });
        }
        for slope in ["NaN", "inf", "-inf", "", "0.1.2", "1e400"] {
            let text = format!("leaky-relu(slope {slope})");
            let err = text.parse::<Activation>().unwrap_err();
            assert_eq!(err, ParseActivationError::BadSlope { found: slope.to_owned() });
        }
        assert_eq!(
            "leaky-relu(slope NaN)".parse::<Activation>().unwrap_err().to_string(),
            "the leaky-relu slope `NaN` is not a finite number"
        );
        let err = "mae".parse::<Loss>().unwrap_err();
        assert_eq!(err, ParseLossError { found: "mae".to_owned() });
        assert_eq!(err.to_string(), "unknown loss `mae`; expected one of sse, mse, cross-entropy");
    }
}
