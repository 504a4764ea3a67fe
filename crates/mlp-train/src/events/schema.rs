//! The fields of the trainer's events, defined once: the emitters, the decoders, the CSV logs'
//! columns, the benchmarks and the tests all take the names from here.

use std::fmt;

/// What an event field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A non-negative integer (`u64`).
    Integer,
    /// A string.
    Text,
    /// A floating-point number (`f64`; an f32 run's values widened exactly).
    Float,
}

/// Declares the fields of one kind of event: an enum with the names, kinds and presence of the
/// fields, in the order the trainer emits them.
macro_rules! event_fields {
    (
        $(#[$enum_meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident = ($text:literal, $kind:ident, $optional:literal),
            )*
        }
    ) => {
        $(#[$enum_meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                $(#[$variant_meta])*
                $variant,
            )*
        }

        impl $name {
            /// Every field, in the order the trainer emits them and the CSV log writes them.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The name of every field, in [`ALL`](Self::ALL) order: the CSV log's headers.
            pub const NAMES: &'static [&'static str] = &[$($text),*];

            /// The field's name in the event, and the CSV log's column header.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// What the field holds.
            pub const fn kind(self) -> FieldKind {
                match self {
                    $($name::$variant => FieldKind::$kind,)*
                }
            }

            /// Whether the trainer may leave the field out (a `None`): an empty CSV cell.
            pub const fn is_optional(self) -> bool {
                match self {
                    $($name::$variant => $optional,)*
                }
            }

            /// The field called `name`, if there is one.
            pub fn from_name(name: &str) -> Option<$name> {
                match name {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }

            /// The bit of this field in a set of fields (`1 << index`).
            pub(crate) const fn bit(self) -> u32 {
                1 << self as u32
            }

            /// The set of the fields the trainer always emits.
            pub(crate) const REQUIRED: u32 = {
                let mut bits = 0;
                let mut idx = 0;
                while idx < $name::ALL.len() {
                    if !$name::ALL[idx].is_optional() {
                        bits |= $name::ALL[idx].bit();
                    }
                    idx += 1;
                }
                bits
            };
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

event_fields! {
    /// The fields of a [`GRADIENT_TARGET`](super::GRADIENT_TARGET) event: one partial derivative
    /// of one parameter for one sample. See [`GradientRecord`](super::GradientRecord).
    pub enum GradientField {
        /// `sample`: 1-based row of the sample in the training data file.
        Sample = ("sample", Integer, false),
        /// `layer`: 1-based weight layer.
        Layer = ("layer", Integer, false),
        /// `param`: the tutorial-style name, `W1`..`Wn` or `b1`..`bm`.
        Param = ("param", Text, false),
        /// `to`: 1-based neuron fed.
        To = ("to", Integer, false),
        /// `from`: 1-based input the weight comes from; absent for a bias.
        From = ("from", Integer, true),
        /// `weight`: the parameter's value before the step.
        Weight = ("weight", Float, false),
        /// `dE_da`: ∂E/∂a of the neuron fed; absent where not elementwise.
        DeDa = ("dE_da", Float, true),
        /// `da_dz`: ∂a/∂z of the neuron fed; absent where not elementwise.
        DaDz = ("da_dz", Float, true),
        /// `dE_dz`: ∂E/∂z of the neuron fed, its delta.
        DeDz = ("dE_dz", Float, false),
        /// `dz_dw`: ∂z/∂w, the input activation, or 1 for a bias.
        DzDw = ("dz_dw", Float, false),
        /// `dE_dw`: ∂E/∂w for this sample.
        DeDw = ("dE_dw", Float, false),
        /// `weight_new`: the parameter's value after the step.
        WeightNew = ("weight_new", Float, false),
    }
}

event_fields! {
    /// The fields of a [`LAYER_TARGET`](super::LAYER_TARGET) event: one weight layer's summary
    /// of one step. See [`LayerRecord`](super::LayerRecord).
    pub enum LayerField {
        /// `layer`: 1-based weight layer.
        Layer = ("layer", Integer, false),
        /// `grad_norm`: Frobenius norm of the layer's batch gradient (weights and biases).
        GradNorm = ("grad_norm", Float, false),
        /// `grad_max_abs`: largest absolute entry of that gradient.
        GradMaxAbs = ("grad_max_abs", Float, false),
        /// `weight_norm`: Frobenius norm of the layer's parameters before the step.
        WeightNorm = ("weight_norm", Float, false),
        /// `update_ratio`: ‖parameters after − before‖ / ‖parameters before‖.
        UpdateRatio = ("update_ratio", Float, false),
        /// `saturated_fraction`: sigmoid/tanh layers, share of activations within 0.01 of a
        /// bound.
        SaturatedFraction = ("saturated_fraction", Float, true),
        /// `dead_fraction`: ReLU-family layers, share of units with z ≤ 0 for the whole batch.
        DeadFraction = ("dead_fraction", Float, true),
    }
}

event_fields! {
    /// The fields of an [`EPOCH_TARGET`](super::EPOCH_TARGET) event: one epoch's metrics. See
    /// [`EpochRecord`](super::EpochRecord).
    pub enum EpochField {
        /// `epoch`: 1-based epoch.
        Epoch = ("epoch", Integer, false),
        /// `loss`: mean training loss over the epoch.
        Loss = ("loss", Float, false),
        /// `val_loss`: validation loss.
        ValLoss = ("val_loss", Float, true),
        /// `accuracy`: training accuracy (classification).
        Accuracy = ("accuracy", Float, true),
        /// `val_accuracy`: validation accuracy (classification).
        ValAccuracy = ("val_accuracy", Float, true),
        /// `learning_rate`: learning rate used during the epoch.
        LearningRate = ("learning_rate", Float, false),
        /// `seconds`: wall time since training began.
        Seconds = ("seconds", Float, false),
        /// `mse`: training mean squared error (regression).
        Mse = ("mse", Float, true),
        /// `val_mse`: validation mean squared error (regression).
        ValMse = ("val_mse", Float, true),
        /// `r2`: training coefficient of determination (regression).
        R2 = ("r2", Float, true),
        /// `val_r2`: validation coefficient of determination (regression).
        ValR2 = ("val_r2", Float, true),
    }
}

/// Name of the `epoch` span's field (and of the CSV logs' `epoch` column).
pub const EPOCH_FIELD: &str = "epoch";
/// Name of the `step` span's field (and of the CSV logs' `step` column).
pub const STEP_FIELD: &str = "step";
/// Name of the `train` span's field that tells the run's [`Precision`](super::Precision).
pub const PRECISION_FIELD: &str = "precision";

#[cfg(test)]
mod tests {
    use super::*;

    /// The names are a public interface (the CSV headers): written out once here.
    #[test]
    fn names_in_order() {
        let names = |all: &[&str]| all.join(",");
        let gradient: Vec<&str> = GradientField::ALL.iter().map(|field| field.name()).collect();
        assert_eq!(
            names(&gradient),
            "sample,layer,param,to,from,weight,dE_da,da_dz,dE_dz,dz_dw,dE_dw,weight_new"
        );
        let layer: Vec<&str> = LayerField::ALL.iter().map(|field| field.name()).collect();
        assert_eq!(
            names(&layer),
            "layer,grad_norm,grad_max_abs,weight_norm,update_ratio,saturated_fraction,dead_fraction"
        );
        let epoch: Vec<&str> = EpochField::ALL.iter().map(|field| field.name()).collect();
        assert_eq!(
            names(&epoch),
            "epoch,loss,val_loss,accuracy,val_accuracy,learning_rate,seconds,mse,val_mse,r2,val_r2"
        );
    }

    #[test]
    fn names_follow_all() {
        for (idx, &field) in GradientField::ALL.iter().enumerate() {
            assert_eq!(GradientField::NAMES[idx], field.name());
        }
        assert_eq!(LayerField::NAMES.len(), LayerField::ALL.len());
        assert_eq!(EpochField::NAMES.len(), EpochField::ALL.len());
    }

    #[test]
    fn from_name_inverts_name_and_required_leaves_out_the_optional_fields() {
        for &field in GradientField::ALL {
            assert_eq!(GradientField::from_name(field.name()), Some(field));
            assert_eq!(GradientField::REQUIRED & field.bit() == 0, field.is_optional(), "{field}");
        }
        for &field in LayerField::ALL {
            assert_eq!(LayerField::from_name(field.name()), Some(field));
        }
        for &field in EpochField::ALL {
            assert_eq!(EpochField::from_name(field.name()), Some(field));
        }
        assert_eq!(GradientField::from_name("dE_DW"), None);
        let optional: Vec<&str> =
            GradientField::ALL.iter().filter(|f| f.is_optional()).map(|f| f.name()).collect();
        assert_eq!(optional, ["from", "dE_da", "da_dz"]);
        assert_eq!(GradientField::Param.kind(), FieldKind::Text);
        assert_eq!(GradientField::To.kind(), FieldKind::Integer);
        assert_eq!(GradientField::DzDw.kind(), FieldKind::Float);
    }
}
