//! One epoch of training written out by hand, as `mlp_train::train` ran it before data
//! parallelism: the same seeded shuffle, one tape for the whole batch, forward, backward and
//! the optimizer's step, and no tracing, metrics or divergence checks. The reference side of
//! the `training` and `threads` benches.

use mlp_core::{Network, Scalar};
use mlp_train::{Dataset, OptimizerState, TrainConfig};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Trains `network` for one epoch of `config`'s batches; returns the sum of the batch losses.
pub fn whole_batch_epoch<T: Scalar>(
    network: &mut Network<T>,
    dataset: &Dataset<T>,
    config: &TrainConfig,
) -> T {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut order: Vec<usize> = (0..dataset.len()).collect();
    let mut tape = network.try_tape(config.batch_size).expect("a batch size of at least 1");
    let mut gradients = network.zero_gradients();
    let mut optimizer = OptimizerState::new(config.optimizer, network);
    order.shuffle(&mut rng);
    let mut loss_sum = T::zero();
    for batch in order.chunks(config.batch_size) {
        tape.load_columns(dataset.inputs(), dataset.targets(), batch).unwrap();
        network.forward(&mut tape);
        loss_sum += network.backward(&mut tape, &mut gradients);
        optimizer.step(network, &gradients, config.learning_rate, config.l2);
    }
    loss_sum
}
