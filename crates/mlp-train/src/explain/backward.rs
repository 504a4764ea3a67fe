//! Backpropagation written out: per neuron ∂E/∂a, ∂a/∂z and ∂E/∂z; per parameter the chain
//! rule and the update.

use mlp_core::{Activation, Loss, ParamId, Scalar};

use super::derivation::{Block, ParameterRow, RowText, RowValues, Section, SectionStyle, Step};
use super::math::{computed, given, sum};
use super::Context;

impl<T: Scalar> Context<'_, T> {
    /// Every parameter, one section per layer from the output back, and a table of them all;
    /// or only `selected`, after the ∂E/∂z of every layer above it, from the output back.
    pub(super) fn backward_sections(&self, selected: Option<ParamId>) -> Vec<Section> {
        match selected {
            None => self.all_parameters(),
            Some(id) => self.one_parameter(id),
        }
    }

    fn all_parameters(&self) -> Vec<Section> {
        let layers = (0..self.n_layers()).rev();
        let mut sections: Vec<Section> = layers
            .clone()
            .map(|layer| {
                let mut blocks: Vec<Block> = self.layer_note(layer).into_iter().collect();
                for j in 0..self.n_neurons(layer) {
                    blocks.extend(self.neuron_blocks(layer, j));
                    blocks.extend(
                        self.parameters_of(layer, j).flat_map(|id| self.parameter_blocks(id)),
                    );
                }
                let heading = format!("Backpropagation, {}", self.layer_name(layer));
                Section { heading, style: SectionStyle::Display, blocks }
            })
            .collect();
        let rows = layers
            .flat_map(|layer| {
                (0..self.n_neurons(layer)).flat_map(move |j| self.parameters_of(layer, j))
            })
            .map(|id| self.row(id))
            .collect();
        let blocks = vec![Block::Table(rows)];
        sections.push(Section {
            heading: "All parameters".to_owned(),
            style: SectionStyle::Display,
            blocks,
        });
        sections
    }

    fn one_parameter(&self, id: ParamId) -> Vec<Section> {
        let mut sections: Vec<Section> = (id.layer + 1..self.n_layers())
            .rev()
            .map(|layer| {
                let mut blocks: Vec<Block> = self.layer_note(layer).into_iter().collect();
                blocks
                    .extend((0..self.n_neurons(layer)).flat_map(|k| self.neuron_blocks(layer, k)));
                let heading = format!("Backpropagation, {}", self.layer_name(layer));
                Section { heading, style: SectionStyle::Display, blocks }
            })
            .collect();
        let mut blocks: Vec<Block> = self.layer_note(id.layer).into_iter().collect();
        blocks.extend(self.neuron_blocks(id.layer, id.to));
        blocks.extend(self.parameter_blocks(id));
        let heading =
            format!("Backpropagation, {}: {}", self.layer_name(id.layer), self.names.name(id));
        sections.push(Section { heading, style: SectionStyle::Display, blocks });
        sections
    }

    fn n_neurons(&self, layer: usize) -> usize {
        self.network.layers()[layer].n_outputs()
    }

    /// The weights into neuron `j` of `layer`, then its bias: the tutorial's order.
    fn parameters_of(&self, layer: usize, j: usize) -> impl Iterator<Item = ParamId> {
        let dense = &self.network.layers()[layer];
        let weights = (0..dense.n_inputs()).map(move |i| ParamId { layer, to: j, from: Some(i) });
        let bias = dense.bias().is_some().then_some(ParamId { layer, to: j, from: None });
        weights.chain(bias)
    }

    /// Why a layer's factors look the way they do, where that needs saying.
    fn layer_note(&self, layer: usize) -> Option<Block> {
        let activation = self.network.layers()[layer].activation();
        let note = match (self.is_output(layer), activation, self.network.loss()) {
            (false, ..) => {
                "∂E/∂h sums over the neurons h feeds, with the weights before the update"
            }
            (true, Activation::Softmax, Loss::CrossEntropy) => {
                "softmax with cross-entropy: ∂o/∂z is not one number per neuron (every o depends \
                 on every z), but the chain collapses to ∂E/∂z = o − t, which is computed directly"
            }
            (true, Activation::Softmax, _) => {
                "softmax: ∂o/∂z is not one number per neuron (every o depends on every z), so \
                 ∂E/∂z = o_j·(∂E/∂o_j − Σ_k ∂E/∂o_k·o_k) is computed directly"
            }
            (true, _, Loss::CrossEntropy) => {
                "cross-entropy after a sigmoid: ∂E/∂o × ∂o/∂z simplifies to o − t, which is how \
                 ∂E/∂z is computed; the two factors are left out, as ∂E/∂o grows without bound \
                 where ∂o/∂z goes to 0"
            }
            (true, ..) => return None,
        };
        Some(Block::Note(note.to_owned()))
    }

    /// ∂E/∂a (where it is one number), ∂a/∂z (where elementwise) and ∂E/∂z of neuron `j`.
    fn neuron_blocks(&self, layer: usize, j: usize) -> Vec<Block> {
        let factors = self.factors(layer);
        let (a, z) = (self.a_name(layer, j), self.z_name(layer, j));
        let mut formulas = Vec::new();
        if let Some(de_da) = &factors.de_da {
            let expression = match self.is_output(layer) {
                true => self.loss_gradient(j),
                false => self.hidden_gradient(layer, j),
            };
            formulas.push((
                Step::ErrorByActivation { layer, neuron: j },
                format!("∂E/∂{a} = {expression} = {}", computed(de_da[(j, 0)])),
                de_da[(j, 0)],
            ));
        }
        if let Some(da_dz) = &factors.da_dz {
            let value = da_dz[(j, 0)];
            let (a_value, da_dz) = (computed(factors.a[(j, 0)]), computed(value));
            let formula = match self.network.layers()[layer].activation() {
                Activation::Sigmoid => {
                    format!("∂{a}/∂{z} = {a}·(1 − {a}) = {a_value} × (1 − {a_value}) = {da_dz}")
                }
                Activation::Tanh => format!("∂{a}/∂{z} = 1 − {a}² = 1 − {a_value}² = {da_dz}"),
                Activation::Identity => format!("∂{a}/∂{z} = {da_dz}"),
                activation => format!("∂{a}/∂{z} = {}′({z}) = {da_dz}", activation.name()),
            };
            formulas.push((Step::ActivationByPreActivation { layer, neuron: j }, formula, value));
        }
        let de_dz = computed(factors.de_dz[(j, 0)]);
        let (o, t) = (computed(factors.a[(j, 0)]), || self.target(j));
        let de_dz_formula = match (&factors.de_da, &factors.da_dz) {
            (Some(de_da), Some(da_dz)) => format!(
                "∂E/∂{z} = ∂E/∂{a} × ∂{a}/∂{z} = {} × {} = {de_dz}",
                computed(de_da[(j, 0)]),
                computed(da_dz[(j, 0)])
            ),
            // Sigmoid with cross-entropy: mlp-core computes o − t, fused.
            (None, _) if self.network.layers()[layer].activation() != Activation::Softmax => {
                format!("∂E/∂{z} = {a} − t{} = {o} − {} = {de_dz}", j + 1, t())
            }
            // Softmax with cross-entropy: mlp-core computes o·Σt − t.
            (None, _) => {
                let target_sum = (0..self.n_neurons(layer))
                    .fold(T::zero(), |total, k| total + self.tape.targets()[(k, 0)]);
                match target_sum == T::one() {
                    true => format!("∂E/∂{z} = {a} − t{} = {o} − {} = {de_dz}", j + 1, t()),
                    false => format!(
                        "∂E/∂{z} = {a}·Σ_k t_k − t{} = {o} × {} − {} = {de_dz}",
                        j + 1,
                        given(target_sum),
                        t()
                    ),
                }
            }
            // Softmax with another loss: o_j (g_j − Σ_k g_k o_k), the Jacobian product.
            (Some(de_da), None) => {
                let dot = (0..self.n_neurons(layer))
                    .fold(T::zero(), |total, k| total + de_da[(k, 0)] * factors.a[(k, 0)]);
                format!(
                    "∂E/∂{z} = {a}·(∂E/∂{a} − Σ_k ∂E/∂o_k·o_k) = {o} × ({} − {}) = {de_dz}",
                    computed(de_da[(j, 0)]),
                    computed(dot)
                )
            }
        };
        let step = Step::ErrorByPreActivation { layer, neuron: j };
        formulas.push((step, de_dz_formula, factors.de_dz[(j, 0)]));
        formulas
            .into_iter()
            .map(|(step, formula, value)| Block::formula(step, &formula, value.to_f64_value()))
            .collect()
    }

    /// ∂E/∂o of output `j` by the loss, up to the value: `o1 − t1 = 0.60944600 − 0.4`.
    fn loss_gradient(&self, j: usize) -> String {
        let n = j + 1;
        let (o, t) = (self.output(j), self.target(j));
        match self.network.loss() {
            Loss::HalfSumSquared => format!("o{n} − t{n} = {o} − {t}"),
            Loss::MeanSquared => {
                let k = self.network.n_outputs();
                format!("2·(o{n} − t{n}) / {k} = 2 × ({o} − {t}) / {k}")
            }
            Loss::CrossEntropy => {
                format!("(o{n} − t{n}) / (o{n}·(1 − o{n})) = ({o} − {t}) / ({o} × (1 − {o}))")
            }
        }
    }

    /// ∂E/∂h of neuron `j` of hidden `layer`, up to the value: the sum over the neurons it
    /// feeds, `∂E/∂z3·W5 + ∂E/∂z4·W7 = 0.04985267 × 0.45 + 0.01424730 × 0.7`.
    fn hidden_gradient(&self, layer: usize, j: usize) -> String {
        let above = layer + 1;
        let (weights, de_dz) = (self.network.layers()[above].weights(), self.factors(above).de_dz);
        let n_fed = self.n_neurons(above);
        let names = sum(n_fed, |k| {
            format!("∂E/∂{}·{}", self.z_name(above, k), self.names.weight(above, k, j))
        });
        let values =
            sum(n_fed, |k| format!("{} × {}", computed(de_dz[(k, 0)]), given(weights[(k, j)])));
        format!("{names} = {values}")
    }

    /// The chain rule for `id` and its gradient-descent update.
    fn parameter_blocks(&self, id: ParamId) -> [Block; 2] {
        let factors = self.factors(id.layer);
        let (a, z) = (self.a_name(id.layer, id.to), self.z_name(id.layer, id.to));
        let w = self.names.name(id);
        let row = self.row(id);
        let (dz_dw, de_dw) = (&row.shown.dz_dw, &row.shown.de_dw);
        let chain = match (&row.shown.de_da, &row.shown.da_dz) {
            (Some(de_da), Some(da_dz)) => format!(
                "∂E/∂{w} = ∂E/∂{a} × ∂{a}/∂{z} × ∂{z}/∂{w} = {de_da} × {da_dz} × {dz_dw} = {de_dw}"
            ),
            _ => {
                let de_dz = computed(factors.de_dz[(id.to, 0)]);
                format!("∂E/∂{w} = ∂E/∂{z} × ∂{z}/∂{w} = {de_dz} × {dz_dw} = {de_dw}")
            }
        };
        let value = given(Self::parameter(self.network, id));
        let learning_rate = given(self.options.learning_rate);
        let update = format!(
            "{w}+ = {w} − η·∂E/∂{w} = {value} − {learning_rate} × {de_dw} = {}",
            row.shown.updated
        );
        [
            Block::formula(Step::ChainRule(id), &chain, row.values.de_dw),
            Block::formula(Step::Update(id), &update, row.values.updated),
        ]
    }

    /// The factors of `id` as mlp-core computed them, for the chain rule and the table.
    fn row(&self, id: ParamId) -> ParameterRow {
        let factors = self.factors(id.layer);
        let elementwise = factors.de_da.is_some() && factors.da_dz.is_some();
        let factor = |matrix: &Option<nalgebra::DMatrixView<'_, T>>| {
            matrix.as_ref().filter(|_| elementwise).map(|m| computed(m[(id.to, 0)]))
        };
        let value = |matrix: &Option<nalgebra::DMatrixView<'_, T>>| {
            matrix.as_ref().filter(|_| elementwise).map(|m| m[(id.to, 0)].to_f64_value())
        };
        let dz_dw = id.from.map_or(T::one(), |i| factors.inputs[(i, 0)]);
        ParameterRow {
            id,
            parameter: self.names.name(id).to_owned(),
            shown: RowText {
                de_da: factor(&factors.de_da),
                da_dz: factor(&factors.da_dz),
                dz_dw: match id.from {
                    Some(i) => self.input_value(id.layer, i),
                    None => "1".to_owned(),
                },
                de_dw: computed(self.gradients.get(id)),
                updated: computed(Self::parameter(self.stepped, id)),
            },
            values: RowValues {
                weight: Self::parameter(self.network, id).to_f64_value(),
                de_da: value(&factors.de_da),
                da_dz: value(&factors.da_dz),
                dz_dw: dz_dw.to_f64_value(),
                de_dw: self.gradients.get(id).to_f64_value(),
                updated: Self::parameter(self.stepped, id).to_f64_value(),
            },
        }
    }
}
