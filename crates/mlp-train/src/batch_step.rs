//! One optimizer step's forward and backward passes over fixed chunks of the batch, run on up to
//! [`crate::TrainConfig::threads`] threads (data parallelism), with the chunk gradients combined
//! in chunk order, so that every thread count gives the same bits.
//!
//! A batch of B samples is split into `n = clamp(⌊B / 32⌋, 1, 8)` chunks of consecutive
//! samples whose sizes differ by at most one (the larger first): the split depends on B only,
//! never on the thread count. Each chunk has its own tape and gradient buffer; one thread or
//! many, each chunk runs the same forward and backward pass. The batch gradient and loss are
//! then **g = Σ_c (n_c / B) · g_c** and **E = Σ_c (n_c / B) · E_c**, summed in chunk order on the
//! calling thread, whichever threads computed the chunks. A batch of fewer than 64 samples is
//! one chunk: its forward and backward pass are exactly those of the whole batch.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use mlp_core::{Gradients, Network, Scalar, Tape};
use nalgebra::DMatrix;

/// The fewest samples in a chunk of a batch split in several.
const MIN_CHUNK: usize = 32;
/// The most chunks a batch is split into: more threads than this leave some idle.
const MAX_CHUNKS: usize = 8;

/// How many chunks a batch of `batch` samples is split into.
fn n_chunks(batch: usize) -> usize {
    (batch / MIN_CHUNK).clamp(1, MAX_CHUNKS)
}

/// The sample ranges, within the batch, of the chunks of a batch of `batch` samples.
pub(crate) fn chunk_ranges(batch: usize) -> impl Iterator<Item = Range<usize>> {
    let n = n_chunks(batch);
    let (size, larger) = (batch / n, batch % n);
    (0..n).map(move |chunk| {
        let start = chunk * size + chunk.min(larger);
        start..start + size + usize::from(chunk < larger)
    })
}

/// The largest chunk of any batch of 1 to `batch_size` samples: up to 63 samples are one chunk;
/// above, chunks have at most 63 samples until there are `MAX_CHUNKS` of them.
fn chunk_capacity(batch_size: usize) -> usize {
    batch_size.min(2 * MIN_CHUNK - 1).max(batch_size.div_ceil(MAX_CHUNKS))
}

/// What a run with batches of up to `batch_size` samples allocates for its steps: the number of
/// chunk tapes, their capacity, and the number of chunk gradient buffers (none when no batch is
/// split: one chunk writes the batch gradient itself).
pub(crate) fn chunk_buffers(batch_size: usize) -> (usize, usize, usize) {
    let n = n_chunks(batch_size);
    (n, chunk_capacity(batch_size.max(1)), if n > 1 { n } else { 0 })
}

/// One chunk's buffers and the results of its last pass.
struct Chunk<T: Scalar> {
    tape: Tape<T>,
    /// `None` when no batch of the run is split.
    gradients: Option<Gradients<T>>,
    range: Range<usize>,
    loss: T,
}

/// The chunk tapes and gradient buffers of a run, and its thread pool: made once per run, so a
/// step allocates nothing and starts no thread.
pub(crate) struct BatchStep<T: Scalar> {
    chunks: Vec<Chunk<T>>,
    /// Chunks of the batch run last.
    n_active: usize,
    /// The threads besides the calling one; `None` for one thread, or when no batch of the run
    /// is split.
    pool: Option<rayon::ThreadPool>,
}

impl<T: Scalar> BatchStep<T> {
    /// Buffers for batches of 1 to `batch_size` samples and a pool of up to `threads` threads
    /// (no more than a batch has chunks). A pool that cannot be built leaves the steps on the
    /// calling thread: the results are the same.
    pub(crate) fn new(network: &Network<T>, batch_size: usize, threads: usize) -> Self {
        let (n, capacity, n_gradients) = chunk_buffers(batch_size);
        let chunks = (0..n)
            .map(|_| Chunk {
                tape: network.tape(capacity),
                gradients: (n_gradients > 0).then(|| network.zero_gradients()),
                range: 0..0,
                loss: T::zero(),
            })
            .collect();
        // The calling thread is one of the threads: the pool has the others.
        let helpers = threads.min(n) - 1;
        let pool = (helpers > 0)
            .then(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(helpers)
                    .thread_name(|index| format!("mlp-train-{index}"))
                    .build()
                    .ok()
            })
            .flatten();
        BatchStep { chunks, n_active: 0, pool }
    }

    /// Loads the samples at dataset columns `batch`, runs forward and backward on each chunk,
    /// writes the batch gradient into `gradients` and returns the batch loss (both means over
    /// the batch, as [`Network::backward`] returns them for a whole batch).
    pub(crate) fn run(
        &mut self,
        network: &Network<T>,
        inputs: &DMatrix<T>,
        targets: &DMatrix<T>,
        batch: &[usize],
        gradients: &mut Gradients<T>,
    ) -> T {
        self.n_active = n_chunks(batch.len());
        let active = &mut self.chunks[..self.n_active];
        for (chunk, range) in active.iter_mut().zip(chunk_ranges(batch.len())) {
            chunk.range = range;
        }
        // Each thread gathers its chunks' samples itself: the copy is part of the parallel work.
        let load = |chunk: &mut Chunk<T>| {
            chunk
                .tape
                .load_columns(inputs, targets, &batch[chunk.range.clone()])
                .expect("shapes were checked before the loop");
        };
        if let [chunk] = active {
            load(chunk);
            network.forward(&mut chunk.tape);
            chunk.loss = network.backward(&mut chunk.tape, gradients);
            return chunk.loss;
        }
        let pass = |chunk: &mut Chunk<T>| {
            load(chunk);
            network.forward(&mut chunk.tape);
            let gradients = chunk.gradients.as_mut().expect("a split batch has chunk gradients");
            chunk.loss = network.backward(&mut chunk.tape, gradients);
        };
        match &self.pool {
            Some(pool) => {
                // Every thread, the calling one too, takes the next chunk nobody has taken
                // until none is left: a helper that wakes late leaves its chunks to the others
                // (which chunk a thread runs never changes what the chunk computes).
                let n_active = active.len();
                let mut chunks = active.iter_mut();
                let slots: [Mutex<Option<&mut Chunk<T>>>; MAX_CHUNKS] =
                    std::array::from_fn(|_| Mutex::new(chunks.next()));
                let next = AtomicUsize::new(0);
                let take_chunks = || loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= n_active {
                        break;
                    }
                    let chunk = slots[index].lock().unwrap_or_else(PoisonError::into_inner).take();
                    pass(chunk.expect("each chunk is taken once"));
                };
                pool.in_place_scope(|scope| {
                    for _ in 0..pool.current_num_threads() {
                        scope.spawn(|_| take_chunks());
                    }
                    take_chunks();
                });
            }
            None => active.iter_mut().for_each(pass),
        }
        combine(active, batch.len(), gradients)
    }

    /// The tapes of the last batch's chunks, in batch order.
    pub(crate) fn tapes(&self) -> impl Iterator<Item = &Tape<T>> + Clone {
        self.chunks[..self.n_active].iter().map(|chunk| &chunk.tape)
    }

    /// Each chunk's tape and mean loss, in batch order.
    pub(crate) fn losses(&self) -> impl Iterator<Item = (&Tape<T>, T)> {
        self.chunks[..self.n_active].iter().map(|chunk| (&chunk.tape, chunk.loss))
    }
}

/// Writes **g = Σ_c (n_c / B) g_c** into `gradients` and returns **Σ_c (n_c / B) E_c**, summing
/// in chunk order.
fn combine<T: Scalar>(chunks: &[Chunk<T>], batch: usize, gradients: &mut Gradients<T>) -> T {
    let weight = |chunk: &Chunk<T>| T::from_f64_value(chunk.range.len() as f64 / batch as f64);
    let (first, rest) = chunks.split_first().expect("at least one chunk");
    let first_weight = weight(first);
    for (out, block) in gradients.blocks_mut().zip(chunk_gradients(first).blocks()) {
        for (g, &value) in out.iter_mut().zip(block) {
            *g = first_weight * value;
        }
    }
    let mut loss = first_weight * first.loss;
    for chunk in rest {
        let chunk_weight = weight(chunk);
        for (out, block) in gradients.blocks_mut().zip(chunk_gradients(chunk).blocks()) {
            for (g, &value) in out.iter_mut().zip(block) {
                *g += chunk_weight * value;
            }
        }
        loss += chunk_weight * chunk.loss;
    }
    loss
}

fn chunk_gradients<T: Scalar>(chunk: &Chunk<T>) -> &Gradients<T> {
    chunk.gradients.as_ref().expect("a split batch has chunk gradients")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_batch_in_order_with_sizes_that_differ_by_at_most_one() {
        for batch in 1..2000 {
            let ranges: Vec<_> = chunk_ranges(batch).collect();
            assert_eq!(ranges.len(), n_chunks(batch));
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges.last().unwrap().end, batch);
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
                assert!(pair[0].len() - pair[1].len() <= 1, "{batch}: {ranges:?}");
            }
            if ranges.len() > 1 {
                assert!(ranges.iter().all(|range| range.len() >= MIN_CHUNK), "{batch}");
            }
        }
        assert_eq!(chunk_ranges(63).collect::<Vec<_>>(), vec![0..63_usize]);
        assert_eq!(chunk_ranges(64).collect::<Vec<_>>(), [0..32, 32..64]);
        assert_eq!(chunk_ranges(100).collect::<Vec<_>>(), [0..34, 34..67, 67..100]);
        assert_eq!(chunk_ranges(1000).count(), MAX_CHUNKS);
    }

    #[test]
    fn the_capacity_holds_the_largest_chunk_of_every_smaller_batch() {
        for batch_size in 1..3000 {
            let largest =
                (1..=batch_size).flat_map(chunk_ranges).map(|range| range.len()).max().unwrap();
            assert_eq!(chunk_capacity(batch_size), largest, "{batch_size}");
        }
    }
}
