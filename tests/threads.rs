//! Training on several threads (`TrainConfig::threads`): the same bits for every thread count,
//! a batch of one chunk exactly as one forward and backward pass, the gradient of a split batch
//! equal to the whole batch's to rounding, and logs and divergence reports that see every chunk.

use mlp_core::{Activation, Architecture, Dense, Loss, Network, Scalar};
use mlp_train::gradlog::{GradientCsvLayer, LayerSummaryCsvLayer};
use mlp_train::{train, Dataset, NonFinite, Optimizer, OptimizerState, TrainConfig, TrainError};
use nalgebra::{dmatrix, dvector, DMatrix};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tracing_subscriber::layer::SubscriberExt;

use crate::util::SharedBuffer;

const N_SAMPLES: usize = 250;

/// A 12-16-8-3 network (softmax and cross-entropy, or identity and squared error) and 250
/// random samples with 3 classes or 3 targets.
fn problem<T: Scalar>(classification: bool) -> (Network<T>, Dataset<T>) {
    let architecture = Architecture {
        sizes: vec![12, 16, 8, 3],
        hidden_activation: if classification { Activation::Relu } else { Activation::Tanh },
        output_activation: if classification { Activation::Softmax } else { Activation::Identity },
        bias: true,
        loss: if classification { Loss::CrossEntropy } else { Loss::MeanSquared },
    };
    let network = Network::initialized(&architecture, None, 7).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let inputs =
        DMatrix::from_fn(12, N_SAMPLES, |_, _| T::from_f64_value(rng.random_range(-2.0..2.0)));
    let targets = DMatrix::from_fn(3, N_SAMPLES, |row, column| {
        if classification {
            T::from_f64_value(f64::from(u8::from(row == (column * 7) % 3)))
        } else {
            T::from_f64_value(((row + column) % 5) as f64 - 2.0)
        }
    });
    (network, Dataset::numbered(inputs, targets).unwrap())
}

/// Every parameter's bits, as f64 bits (an f32 widens exactly).
fn bits<T: Scalar>(network: &Network<T>) -> Vec<u64> {
    network.parameter_blocks().flatten().map(|w| w.to_f64_value().to_bits()).collect()
}

fn config(optimizer: Optimizer, batch_size: usize, threads: usize) -> TrainConfig {
    TrainConfig {
        epochs: 3,
        batch_size,
        optimizer,
        learning_rate: 0.01,
        l2: 0.001,
        threads,
        ..TrainConfig::default()
    }
}

/// Trains on 1 to 4 threads and asserts the same weights and epoch losses, bit for bit.
fn assert_same_bits_for_every_thread_count<T: Scalar>(classification: bool) {
    let optimizers = [Optimizer::Sgd, Optimizer::Momentum { momentum: 0.9 }, Optimizer::ADAM];
    // 64: two chunks of 32, a last batch of 58 in one chunk; 100: chunks of 34, 33, 33 and a
    // last batch of 50; 300: the whole data in one batch of 7 chunks.
    for (optimizer, batch_size) in
        optimizers.into_iter().flat_map(|o| [(o, 64), (o, 100), (o, 300)])
    {
        let run = |threads: usize| {
            let (mut network, data) = problem::<T>(classification);
            let report =
                train(&mut network, &data, None, &config(optimizer, batch_size, threads)).unwrap();
            let losses: Vec<u64> = report.history.iter().map(|r| r.loss.to_bits()).collect();
            (bits(&network), losses)
        };
        let (untrained, _) = problem::<T>(classification);
        let one = run(1);
        assert_ne!(one.0, bits(&untrained), "training changed nothing");
        for threads in 2..=4 {
            assert!(
                run(threads) == one,
                "{optimizer:?}, batches of {batch_size}: {threads} threads differ from 1"
            );
        }
    }
}

#[test]
fn weights_are_the_same_bits_for_1_to_4_threads_in_f64() {
    assert_same_bits_for_every_thread_count::<f64>(true);
    assert_same_bits_for_every_thread_count::<f64>(false);
}

#[test]
fn weights_are_the_same_bits_for_1_to_4_threads_in_f32() {
    assert_same_bits_for_every_thread_count::<f32>(true);
    assert_same_bits_for_every_thread_count::<f32>(false);
}

/// The training loop with one tape for the whole batch, as it was before batches were split:
/// a fresh permutation each epoch, each batch in ascending sample order, load, forward,
/// backward, optimizer step.
fn whole_batch_training<T: Scalar>(
    network: &mut Network<T>,
    data: &Dataset<T>,
    config: &TrainConfig,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut tape = network.try_tape(config.batch_size.min(data.len())).unwrap();
    let mut gradients = network.zero_gradients();
    let mut optimizer = OptimizerState::new(config.optimizer, network);
    for _ in 0..config.epochs {
        let mut order: Vec<usize> = (0..data.len()).collect();
        order.shuffle(&mut rng);
        for batch in order.chunks(config.batch_size) {
            let mut batch = batch.to_vec();
            batch.sort_unstable();
            tape.load_columns(data.inputs(), data.targets(), &batch).unwrap();
            network.forward(&mut tape);
            network.backward(&mut tape, &mut gradients);
            optimizer.step(network, &gradients, config.learning_rate, config.l2);
        }
    }
}

#[test]
fn batches_of_one_chunk_train_as_one_forward_and_backward_pass_bit_for_bit() {
    // Batches of 63 (the largest of one chunk) and of 10; the last batches hold 61 and 10.
    for batch_size in [63, 10] {
        for optimizer in [Optimizer::Sgd, Optimizer::ADAM] {
            let config = config(optimizer, batch_size, 4);
            let (mut trained, data) = problem::<f64>(true);
            train(&mut trained, &data, None, &config).unwrap();
            let (mut reference, _) = problem::<f64>(true);
            whole_batch_training(&mut reference, &data, &config);
            assert_eq!(bits(&trained), bits(&reference), "{optimizer:?}, batches of {batch_size}");
        }
    }
}

#[test]
fn a_split_batch_steps_along_the_whole_batch_gradient_to_rounding() {
    // One SGD step on a batch of 100 (chunks of 34, 33 and 33, weighted by their sizes) against
    // the whole batch at once: equal to rounding, where wrong chunk weights would be off by a
    // few percent of the update.
    let config = TrainConfig {
        epochs: 1,
        learning_rate: 0.5,
        l2: 0.0,
        optimizer: Optimizer::Sgd,
        ..config(Optimizer::Sgd, 100, 2)
    };
    let (untrained, data) = problem::<f64>(true);
    let data = Dataset::numbered(
        data.inputs().columns(0, 100).into_owned(),
        data.targets().columns(0, 100).into_owned(),
    )
    .unwrap();
    let mut split = untrained.clone();
    let report = train(&mut split, &data, None, &config).unwrap();
    let mut whole = untrained.clone();
    whole_batch_training(&mut whole, &data, &config);
    let mut largest_update = 0.0_f64;
    for ((w_split, w_whole), w_before) in split
        .parameter_blocks()
        .flatten()
        .zip(whole.parameter_blocks().flatten())
        .zip(untrained.parameter_blocks().flatten())
    {
        assert!((w_split - w_whole).abs() < 1e-13, "{w_split} ≠ {w_whole}");
        largest_update = largest_update.max((w_whole - w_before).abs());
    }
    assert!(largest_update > 1e-3, "the step moved the weights ({largest_update})");
    // The epoch's loss is the batch's: the chunk losses weighted by their sizes.
    let mut tape = untrained.try_tape(100).unwrap();
    tape.load(data.inputs().columns(0, 100), data.targets().columns(0, 100)).unwrap();
    untrained.forward(&mut tape);
    let whole_loss = untrained.batch_loss(&mut tape);
    assert!((report.history[0].loss - whole_loss).abs() < 1e-13, "{report:?} vs {whole_loss}");
}

#[test]
fn the_gradient_log_of_split_batches_is_every_samples_and_the_same_for_every_thread_count() {
    let (network, data) = problem::<f64>(true);
    let n_parameters = network.n_parameters();
    let log = |threads: usize| {
        let config = TrainConfig { epochs: 1, ..config(Optimizer::Sgd, 100, threads) };
        let buffer = SharedBuffer::default();
        let layer = GradientCsvLayer::new(buffer.clone());
        let guard = layer.flush_on_drop();
        let mut network = network.clone();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            train(&mut network, &data, None, &config).unwrap();
        });
        guard.flush().unwrap();
        buffer.text()
    };
    let text = log(1);
    assert_eq!(text, log(3));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), n_parameters * N_SAMPLES, "every sample of every step");
    // Step 1's rows: 100 samples, each once per parameter, in the order of the shuffled batch.
    let step_1: Vec<&csv::StringRecord> =
        rows.iter().filter(|row| &row[column("step")] == "1").collect();
    assert_eq!(step_1.len(), n_parameters * 100);
    let mut samples: Vec<&str> = step_1.iter().map(|row| &row[column("sample")]).collect();
    samples.dedup();
    assert_eq!(samples.len(), 100);
    let mut sorted = samples.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 100, "no sample twice");
    // The rows hold the numbers the step used: with SGD, weight_new = weight − η (mean dE_dw
    // + λ weight) over the batch's samples, chunk after chunk.
    let value = |row: &csv::StringRecord, name: &str| row[column(name)].parse::<f64>().unwrap();
    let w1: Vec<_> = step_1.iter().filter(|row| &row[column("param")] == "W1").collect();
    assert_eq!(w1.len(), 100);
    let mean = w1.iter().map(|row| value(row, "dE_dw")).sum::<f64>() / 100.0;
    let (before, after) = (value(w1[0], "weight"), value(w1[0], "weight_new"));
    let expected = before - 0.01 * (mean + 0.001 * before);
    assert!((expected - after).abs() < 1e-15, "{expected} ≠ {after}");
}

#[test]
fn a_neuron_dead_in_one_chunk_only_is_not_dead() {
    // A 1-2-1 ReLU network: z₁ = x, z₂ = 0. Samples 1 to 32 (chunk 1) have x = −1, samples 33
    // to 64 (chunk 2) x = 1: neuron 1 is alive in chunk 2 only, neuron 2 is dead everywhere.
    let network = Network::new(
        vec![
            Dense::new(dmatrix![1.0; 0.0], Some(dvector![0.0, 0.0]), Activation::Relu),
            Dense::new(dmatrix![1.0, 1.0], Some(dvector![0.0]), Activation::Identity),
        ],
        Loss::MeanSquared,
    )
    .unwrap();
    let inputs = DMatrix::from_fn(1, 64, |_, sample| if sample < 32 { -1.0 } else { 1.0 });
    let data = Dataset::numbered(inputs, DMatrix::zeros(1, 64)).unwrap();
    for threads in [1, 2] {
        let config =
            TrainConfig { epochs: 1, shuffle: false, ..config(Optimizer::Sgd, 64, threads) };
        let buffer = SharedBuffer::default();
        let layer = LayerSummaryCsvLayer::new(buffer.clone());
        let guard = layer.flush_on_drop();
        let mut network = network.clone();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            train(&mut network, &data, None, &config).unwrap();
        });
        guard.flush().unwrap();
        let text = buffer.text();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().unwrap().clone();
        let column = header.iter().position(|h| h == "dead_fraction").unwrap();
        let first = reader.records().next().unwrap().unwrap();
        assert_eq!(&first[column], "0.5", "{threads} threads:\n{text}");
    }
}

#[test]
fn activations_that_overflow_in_a_later_chunk_name_their_layer() {
    // A 2-1-1 identity network with weights of 1e308 into the hidden neuron: only the last of
    // 64 samples, (1, 1), overflows, in the second chunk.
    let network = Network::new(
        vec![
            Dense::new(dmatrix![1e308, 1e308], None, Activation::Identity),
            Dense::new(dmatrix![1.0], None, Activation::Identity),
        ],
        Loss::MeanSquared,
    )
    .unwrap();
    let inputs = DMatrix::from_fn(2, 64, |_, sample| if sample == 63 { 1.0 } else { 0.0 });
    let data = Dataset::numbered(inputs, DMatrix::zeros(1, 64)).unwrap();
    for threads in [1, 2] {
        let config = TrainConfig { shuffle: false, ..config(Optimizer::Sgd, 64, threads) };
        let mut trained = network.clone();
        let error = train(&mut trained, &data, None, &config).unwrap_err();
        assert!(
            matches!(
                error,
                TrainError::Diverged {
                    step: 1,
                    layer: Some(1),
                    quantity: NonFinite::Activations,
                    ..
                }
            ),
            "{threads} threads: {error:?}"
        );
        assert_eq!(trained, network, "the weights before the step are kept");
    }
}

#[test]
fn a_thread_count_of_zero_is_refused_before_training() {
    let (mut network, data) = problem::<f64>(true);
    let before = network.clone();
    let error = train(&mut network, &data, None, &config(Optimizer::Sgd, 64, 0)).unwrap_err();
    assert_eq!(error.to_string(), "invalid training setting: thread count must be at least 1");
    assert_eq!(network, before);
}
