//! A model's shape layer by layer, with its parameter counts: what `mlp info` prints.

use mlp_core::Activation;

use super::Model;

/// One dense layer's shape: n_inputs → n_neurons, and its parameters, n_weights =
/// n_inputs · n_neurons plus n_biases = n_neurons (0 without biases).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerSummary {
    /// 1-based, from the input side.
    pub layer: usize,
    /// Inputs of the layer: the features for layer 1, else the neurons of the layer before.
    pub n_inputs: usize,
    /// Neurons, which are the layer's outputs.
    pub n_neurons: usize,
    /// The activation.
    pub activation: Activation,
    /// Weights: n_inputs · n_neurons.
    pub n_weights: usize,
    /// Biases: n_neurons, or 0 for a layer without them.
    pub n_biases: usize,
}

impl LayerSummary {
    /// Weights plus biases.
    pub fn n_parameters(&self) -> usize {
        self.n_weights + self.n_biases
    }
}

impl Model {
    /// One summary per layer, input side first; their parameters add up to
    /// [`Model::n_parameters`].
    pub fn layer_summaries(&self) -> Vec<LayerSummary> {
        self.network
            .layers()
            .iter()
            .enumerate()
            .map(|(index, dense)| LayerSummary {
                layer: index + 1,
                n_inputs: dense.n_inputs(),
                n_neurons: dense.n_outputs(),
                activation: dense.activation(),
                n_weights: dense.weights().len(),
                n_biases: dense.bias().map_or(0, |bias| bias.len()),
            })
            .collect()
    }

    /// Every weight and bias of the network.
    pub fn n_parameters(&self) -> usize {
        self.network.n_parameters()
    }
}

#[cfg(test)]
mod tests {
    use mlp_core::{Architecture, Loss, Network};

    use super::*;
    use crate::data::{prepare_training, ColumnSelection, CsvOptions, PrepareOptions, Table, Task};

    #[test]
    fn a_4_16_3_classifier_has_131_parameters() {
        let table = Table::from_reader(
            "a,b,c,d,y\n1,2,3,4,p\n2,3,4,5,q\n3,4,5,6,r\n".as_bytes(),
            "data.csv",
            &CsvOptions::default(),
        )
        .unwrap();
        let labeled = table.select(&ColumnSelection::new(["y"]), Task::Auto).unwrap();
        let options = PrepareOptions { standardize: false, ..PrepareOptions::default() };
        let prepared = prepare_training::<f64>(&labeled, &options).unwrap();
        let architecture = Architecture {
            sizes: vec![4, 16, 3],
            hidden_activation: Activation::Relu,
            output_activation: Activation::Softmax,
            bias: true,
            loss: Loss::CrossEntropy,
        };
        let network = Network::initialized(&architecture, None, 1).unwrap();
        let model = Model::new(network, prepared.preprocessor).unwrap();
        let summaries = model.layer_summaries();
        // 4·16 + 16 = 80 and 16·3 + 3 = 51.
        assert_eq!(summaries.iter().map(LayerSummary::n_parameters).collect::<Vec<_>>(), [80, 51]);
        assert_eq!((summaries[1].layer, summaries[1].n_inputs, summaries[1].n_neurons), (2, 16, 3));
        assert_eq!((summaries[1].n_weights, summaries[1].n_biases), (48, 3));
        assert_eq!(summaries[1].activation, Activation::Softmax);
        assert_eq!(model.n_parameters(), 131);
    }
}
