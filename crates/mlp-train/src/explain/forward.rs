//! The forward pass and the loss, written out.

use mlp_core::{Activation, Loss, Scalar};

use super::derivation::{Block, Formula, Section, SectionStyle, Step};
use super::math::Expression;
use super::math::{computed, given, sum};
use super::Context;

impl<T: Scalar> Context<'_, T> {
    /// The inputs, then per layer each z as its weighted sum and each activation.
    pub(super) fn forward_section(&self) -> Section {
        let mut blocks = Vec::new();
        if self.n_layers() > 2 {
            let note = "with several hidden layers, h2_1 is neuron 1 of hidden layer 2";
            blocks.push(Block::Note(note.to_owned()));
        }
        if self.options.raw_inputs.is_some() {
            let note = "the inputs are standardized: x = (file value − mean) / std, with the mean \
                        and std of the training rows; each input shows its file value";
            blocks.push(Block::Note(note.to_owned()));
        }
        let raw_inputs = self.options.raw_inputs.as_deref().unwrap_or_default();
        for i in 0..self.network.n_inputs() {
            let formula = format!("{} = {}", self.input_name(0, i), self.input_value(0, i));
            blocks.push(Block::Formula(Formula {
                step: Step::Input(i),
                expression: Expression::parse(&formula),
                label: self.options.input_names.get(i).cloned(),
                raw: raw_inputs.get(i).copied().flatten(),
                value: Some(self.factors(0).inputs[(i, 0)].to_f64_value()),
            }));
        }
        for (layer, dense) in self.network.layers().iter().enumerate() {
            let n_neurons = dense.n_outputs();
            let factors = self.factors(layer);
            blocks.extend((0..n_neurons).map(|j| {
                let step = Step::PreActivation { layer, neuron: j };
                Block::formula(step, &self.z_formula(layer, j), factors.z[(j, 0)].to_f64_value())
            }));
            for j in 0..n_neurons {
                let label = match self.is_output(layer) {
                    true => self.options.output_names.get(j).cloned(),
                    false => None,
                };
                blocks.push(Block::Formula(Formula {
                    step: Step::Activation { layer, neuron: j },
                    expression: Expression::parse(&self.activation_formula(layer, j)),
                    label,
                    raw: None,
                    value: Some(factors.a[(j, 0)].to_f64_value()),
                }));
            }
        }
        Section { heading: "Forward pass".to_owned(), style: SectionStyle::List, blocks }
    }

    /// `z1 = W1·x1 + W2·x2 + b1 = 0.3 × 0.1 + 0.25 × 0.2 + 0.1 = 0.18000000`.
    fn z_formula(&self, layer: usize, j: usize) -> String {
        let dense = &self.network.layers()[layer];
        let n_inputs = dense.n_inputs();
        let mut names = sum(n_inputs, |i| {
            format!("{}·{}", self.names.weight(layer, j, i), self.input_name(layer, i))
        });
        let mut values = sum(n_inputs, |i| {
            format!("{} × {}", given(dense.weights()[(j, i)]), self.input_value(layer, i))
        });
        if let Some(bias) = dense.bias() {
            names += &format!(" + {}", self.names.bias(layer, j));
            values += &format!(" + {}", given(bias[j]));
        }
        let z = computed(self.factors(layer).z[(j, 0)]);
        format!("{} = {names} = {values} = {z}", self.z_name(layer, j))
    }

    /// `h1 = sigmoid(z1) = 0.51998934`; for softmax, `o1 = e^z3 / (e^z3 + e^z4) = …`.
    fn activation_formula(&self, layer: usize, j: usize) -> String {
        let dense = &self.network.layers()[layer];
        let z = self.z_name(layer, j);
        let expression = match dense.activation() {
            Activation::Softmax => {
                let denominator =
                    sum(dense.n_outputs(), |k| format!("e^{}", self.z_name(layer, k)));
                format!("e^{z} / ({denominator})")
            }
            activation => format!("{}({z})", activation.name()),
        };
        let a = computed(self.factors(layer).a[(j, 0)]);
        format!("{} = {expression} = {a}", self.a_name(layer, j))
    }

    /// The targets, each output's term of the loss where it has one, and the total.
    pub(super) fn loss_section(&self) -> Section {
        let activation = self.network.output_layer().activation();
        let loss = self.network.loss();
        let n_outputs = self.network.n_outputs();
        let mut blocks: Vec<Block> = (0..n_outputs)
            .map(|k| {
                Block::Formula(Formula {
                    step: Step::Target(k),
                    expression: Expression::parse(&format!("t{} = {}", k + 1, self.target(k))),
                    label: self.options.output_names.get(k).cloned(),
                    raw: None,
                    value: Some(self.tape.targets()[(k, 0)].to_f64_value()),
                })
            })
            .collect();
        let total_value = self.tape.sample_losses()[0].to_f64_value();
        let total = computed(self.tape.sample_losses()[0]);
        let heading = match (loss, activation) {
            (Loss::HalfSumSquared, _) => "Loss: E = Σ ½(t − o)² (sse)",
            (Loss::MeanSquared, _) => "Loss: E = (1/K)·Σ (t − o)² over the K outputs (mse)",
            (Loss::CrossEntropy, Activation::Softmax) => "Loss: E = −Σ t·ln(o) (cross-entropy)",
            (Loss::CrossEntropy, _) => {
                "Loss: E = −Σ [t·ln(o) + (1 − t)·ln(1 − o)] (binary cross-entropy)"
            }
        };

        if (loss, activation) == (Loss::CrossEntropy, Activation::Softmax) {
            let names = sum(n_outputs, |k| format!("t{0}·ln(o{0})", k + 1));
            let values = sum(n_outputs, |k| format!("{} × ln({})", self.target(k), self.output(k)));
            let formula = format!("E_total = −({names}) = −({values}) = {total}");
            blocks.push(Block::formula(Step::Loss, &formula, total_value));
            return Section { heading: heading.to_owned(), style: SectionStyle::List, blocks };
        }

        for k in 0..n_outputs {
            let (n, t, o) = (k + 1, self.target(k), self.output(k));
            let term = computed(self.loss_term(k));
            let term_value = self.loss_term(k).to_f64_value();
            blocks.push(Block::formula(
                Step::LossTerm(k),
                &match loss {
                    Loss::HalfSumSquared => {
                        format!("E_o{n} = ½(t{n} − o{n})² = ½({t} − {o})² = {term}")
                    }
                    Loss::MeanSquared => format!("E_o{n} = (t{n} − o{n})² = ({t} − {o})² = {term}"),
                    Loss::CrossEntropy => format!(
                        "E_o{n} = −[t{n}·ln(o{n}) + (1 − t{n})·ln(1 − o{n})] \
                     = −[{t} × ln({o}) + (1 − {t}) × ln(1 − {o})] = {term}"
                    ),
                },
                term_value,
            ));
        }
        let names = sum(n_outputs, |k| format!("E_o{}", k + 1));
        let values = sum(n_outputs, |k| computed(self.loss_term(k)));
        blocks.push(Block::formula(
            Step::Loss,
            &match loss {
                Loss::MeanSquared => format!(
                    "E_total = ({names}) / {n_outputs} = ({values}) / {n_outputs} = {total}"
                ),
                _ => format!("E_total = {names} = {values} = {total}"),
            },
            total_value,
        ));
        Section { heading: heading.to_owned(), style: SectionStyle::List, blocks }
    }

    /// Target `k` (0-based) as given.
    pub(super) fn target(&self, k: usize) -> String {
        given(self.tape.targets()[(k, 0)])
    }

    /// Output `k` (0-based) as computed.
    pub(super) fn output(&self, k: usize) -> String {
        computed(self.factors(self.n_layers() - 1).a[(k, 0)])
    }

    /// Output `k`'s term of the loss: mlp-core's loss of that output alone.
    fn loss_term(&self, k: usize) -> T {
        let factors = self.factors(self.n_layers() - 1);
        let targets = self.tape.targets();
        let activation = self.network.output_layer().activation();
        let (z, o, t) = ([factors.z[(k, 0)]], [factors.a[(k, 0)]], [targets[(k, 0)]]);
        self.network.loss().sample_value(activation, &z, &o, &t)
    }
}
