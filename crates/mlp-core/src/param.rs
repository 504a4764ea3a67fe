//! Tutorial-style parameter names: W1..Wn and b1..bm across the whole network.

use std::fmt;

use crate::{Network, Scalar};

/// Where a parameter sits: 0-based layer, neuron fed (`to`) and input (`from`, `None` for a
/// bias).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId {
    /// 0-based weight layer.
    pub layer: usize,
    /// 0-based neuron fed (row of W).
    pub to: usize,
    /// 0-based input (column of W); `None` for the bias of neuron `to`.
    pub from: Option<usize>,
}

impl ParamId {
    /// True for a bias.
    #[must_use]
    pub fn is_bias(&self) -> bool {
        self.from.is_none()
    }
}

/// The names of every parameter, numbered as the tutorial numbers them.
///
/// Weights are `W1`..`Wn` across the whole network, **layer by layer, row-major within a
/// layer** (row = neuron fed, column = input), so in the tutorial's 2-2-2 network `W5` is layer
/// 2, neuron 1, input 1. Biases are `b1`..`bm`, layer by layer, by neuron. Built once per
/// network; lookups borrow, so logging a name allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterNames {
    /// Per layer: names in row-major order (index `to * n_inputs + from`).
    weights: Vec<Vec<String>>,
    /// Per layer: one name per neuron, empty for a layer without bias.
    biases: Vec<Vec<String>>,
    n_inputs: Vec<usize>,
}

impl ParameterNames {
    /// The names of `network`'s parameters.
    #[must_use]
    pub fn new<T: Scalar>(network: &Network<T>) -> Self {
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        let mut n_inputs = Vec::new();
        let (mut next_weight, mut next_bias) = (1, 1);
        for dense in network.layers() {
            let n_weights = dense.n_outputs() * dense.n_inputs();
            weights.push((next_weight..next_weight + n_weights).map(|k| format!("W{k}")).collect());
            next_weight += n_weights;
            let n_biases = if dense.bias().is_some() { dense.n_outputs() } else { 0 };
            biases.push((next_bias..next_bias + n_biases).map(|k| format!("b{k}")).collect());
            next_bias += n_biases;
            n_inputs.push(dense.n_inputs());
        }
        ParameterNames { weights, biases, n_inputs }
    }

    /// The name of the weight into neuron `to` from input `from` of `layer` (all 0-based).
    #[must_use]
    pub fn weight(&self, layer: usize, to: usize, from: usize) -> &str {
        &self.weights[layer][to * self.n_inputs[layer] + from]
    }

    /// The name of the bias of neuron `to` of `layer` (0-based); panics if the layer has none.
    #[must_use]
    pub fn bias(&self, layer: usize, to: usize) -> &str {
        &self.biases[layer][to]
    }

    /// The name of `id`.
    #[must_use]
    pub fn name(&self, id: ParamId) -> &str {
        match id.from {
            Some(from) => self.weight(id.layer, id.to, from),
            None => self.bias(id.layer, id.to),
        }
    }

    /// Every parameter with its name: per layer, the weights in row-major order, then the
    /// biases.
    pub fn iter(&self) -> impl Iterator<Item = (ParamId, &str)> + '_ {
        (0..self.weights.len()).flat_map(move |layer| {
            let n_inputs = self.n_inputs[layer];
            let weights = self.weights[layer].iter().enumerate().map(move |(k, name)| {
                (ParamId { layer, to: k / n_inputs, from: Some(k % n_inputs) }, name.as_str())
            });
            let biases = self.biases[layer]
                .iter()
                .enumerate()
                .map(move |(to, name)| (ParamId { layer, to, from: None }, name.as_str()));
            weights.chain(biases)
        })
    }

    /// The parameter called `name` (`W5`, `b2`; case-insensitive), if there is one.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<ParamId> {
        self.iter().find(|(_, n)| n.eq_ignore_ascii_case(name)).map(|(id, _)| id)
    }

    /// Number of parameters.
    #[must_use]
    pub fn len(&self) -> usize {
        self.weights.iter().chain(&self.biases).map(Vec::len).sum()
    }

    /// True for a network without parameters (never, for a built network).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for ParamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.from {
            Some(from) => {
                write!(
                    f,
                    "layer {} weight into neuron {} from input {}",
                    self.layer + 1,
                    self.to + 1,
                    from + 1
                )
            }
            None => write!(f, "layer {} bias of neuron {}", self.layer + 1, self.to + 1),
        }
    }
}
