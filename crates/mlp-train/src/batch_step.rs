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
//!
//! The threads: the calling thread and up to `threads − 1` helpers started once per run (never
//! more than a batch has chunks). At each step the calling thread copies the weights for the
//! helpers, hands the chunks over and takes them itself one by one; a helper takes what is left
//! when it wakes, so a late helper never holds a step up. Only the calling thread emits tracing
//! events: forward and backward emit none.

use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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

impl<T: Scalar> Chunk<T> {
    /// Forward and backward on the loaded samples, into the chunk's own gradient buffer.
    fn pass(&mut self, network: &Network<T>) {
        network.forward(&mut self.tape);
        let gradients = self.gradients.as_mut().expect("a split batch has chunk gradients");
        self.loss = network.backward(&mut self.tape, gradients);
    }
}

/// How long a helper keeps looking for the next step (yielding its core to any thread that
/// wants it) before it sleeps: about the work between two steps on the calling thread, so that
/// a helper is awake when its chunk comes. Asleep, a helper took 500 µs to wake on a 2-vCPU
/// virtual machine, longer than a chunk of the W3 network (about 250 µs); W3 epochs took
/// 0.31 s with this wait and 0.35 s with a rayon pool, whose threads sleep, side by side while
/// the machine was quiet (under a load of 3 to 4 from other processes, neither beat one thread,
/// and the pool lost less: 1.13 against 1.32 times the one-thread whole-batch epoch).
const SPIN: Duration = Duration::from_micros(200);

/// What the calling thread and the helpers share: the weights of the step, the chunks while a
/// step runs, and one word saying which step runs, how many chunks it has and which is next.
struct Shared<T: Scalar> {
    /// A copy of the weights, made at the start of each step.
    network: RwLock<Network<T>>,
    /// The chunks, here from the start to the end of a step.
    slots: Vec<Mutex<Option<Chunk<T>>>>,
    /// `step << 32 | n_chunks << 16 | next_chunk`: one atomic word, so that a helper still
    /// looking at an older step can never take a chunk of a newer one.
    work: AtomicU64,
    /// Chunks of the current step finished.
    done: AtomicUsize,
    stop: AtomicBool,
}

impl<T: Scalar> Shared<T> {
    /// Takes the chunks of `step` nobody has taken and runs them, until none is left or another
    /// step has begun.
    fn take_chunks(&self, step: u64, network: &Network<T>) {
        let mut word = self.work.load(Ordering::Acquire);
        loop {
            let (n_chunks, next) = ((word >> 16) & 0xffff, word & 0xffff);
            if word >> 32 != step || next >= n_chunks {
                return;
            }
            match self.work.compare_exchange_weak(
                word,
                word + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    let mut slot =
                        self.slots[next as usize].lock().unwrap_or_else(PoisonError::into_inner);
                    slot.as_mut().expect("the chunks of a step are in their slots").pass(network);
                    drop(slot);
                    self.done.fetch_add(1, Ordering::Release);
                    word = self.work.load(Ordering::Acquire);
                }
                Err(now) => word = now,
            }
        }
    }

    /// A helper's life: wait for a step (spinning for [`SPIN`], then asleep), run chunks of it,
    /// again, until the run ends.
    fn help(&self) {
        let mut seen = self.work.load(Ordering::Acquire) >> 32;
        loop {
            let waiting = Instant::now();
            let step = loop {
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                let step = self.work.load(Ordering::Acquire) >> 32;
                if step != seen {
                    break step;
                }
                if waiting.elapsed() < SPIN {
                    // Give the core away at once when another thread wants it.
                    std::thread::yield_now();
                } else {
                    std::thread::park();
                }
            };
            seen = step;
            let network = self.network.read().unwrap_or_else(PoisonError::into_inner);
            self.take_chunks(step, &network);
        }
    }
}

/// The chunk tapes and gradient buffers of a run, and its helper threads: made once per run, so
/// a step allocates nothing and starts no thread.
pub(crate) struct BatchStep<T: Scalar> {
    /// Every chunk, here between steps (taken into `Shared::slots` while a step runs).
    chunks: Vec<Option<Chunk<T>>>,
    /// Chunks of the batch run last.
    n_active: usize,
    /// `None` for one thread, or when no batch of the run is split.
    shared: Option<Arc<Shared<T>>>,
    helpers: Vec<JoinHandle<()>>,
    /// Steps run on several threads.
    step: u64,
}

impl<T: Scalar> BatchStep<T> {
    /// Buffers for batches of 1 to `batch_size` samples and up to `threads - 1` helper threads
    /// (no more than a batch has chunks besides the calling thread's). A thread that cannot be
    /// started leaves its share to the others: the results are the same.
    pub(crate) fn new(network: &Network<T>, batch_size: usize, threads: usize) -> Self {
        let (n, capacity, n_gradients) = chunk_buffers(batch_size);
        let chunks = (0..n)
            .map(|_| {
                Some(Chunk {
                    tape: network.tape(NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN)),
                    gradients: (n_gradients > 0).then(|| network.zero_gradients()),
                    range: 0..0,
                    loss: T::zero(),
                })
            })
            .collect();
        let mut batch_step =
            BatchStep { chunks, n_active: 0, shared: None, helpers: Vec::new(), step: 0 };
        let n_helpers = threads.min(n) - 1;
        if n_helpers > 0 {
            let shared = Arc::new(Shared {
                network: RwLock::new(network.clone()),
                slots: (0..n).map(|_| Mutex::new(None)).collect(),
                work: AtomicU64::new(0),
                done: AtomicUsize::new(0),
                stop: AtomicBool::new(false),
            });
            batch_step.helpers = (0..n_helpers)
                .map_while(|index| {
                    let shared = Arc::clone(&shared);
                    std::thread::Builder::new()
                        .name(format!("mlp-train-{index}"))
                        .spawn(move || shared.help())
                        .ok()
                })
                .collect();
            if !batch_step.helpers.is_empty() {
                batch_step.shared = Some(shared);
            }
        }
        batch_step
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
            let chunk = chunk.as_mut().expect("chunks are back between steps");
            chunk
                .tape
                .load_columns(inputs, targets, &batch[range.clone()])
                .expect("shapes were checked before the loop");
            chunk.range = range;
        }
        if let [Some(chunk)] = active {
            network.forward(&mut chunk.tape);
            chunk.loss = network.backward(&mut chunk.tape, gradients);
            return chunk.loss;
        }
        match &self.shared {
            Some(shared) => {
                // Steps are numbered modulo 2³² (the high half of the shared word).
                self.step = (self.step + 1) & 0xffff_ffff;
                run_shared(shared, &self.helpers, active, network, self.step);
            }
            None => {
                for chunk in active.iter_mut() {
                    chunk.as_mut().expect("chunks are back between steps").pass(network);
                }
            }
        }
        combine(self.chunks(), batch.len(), gradients)
    }

    fn chunks(&self) -> impl Iterator<Item = &Chunk<T>> + Clone {
        self.chunks[..self.n_active]
            .iter()
            .map(|chunk| chunk.as_ref().expect("chunks are back between steps"))
    }

    /// The tapes of the last batch's chunks, in batch order.
    pub(crate) fn tapes(&self) -> impl Iterator<Item = &Tape<T>> + Clone {
        self.chunks().map(|chunk| &chunk.tape)
    }

    /// Each chunk's tape and mean loss, in batch order.
    pub(crate) fn losses(&self) -> impl Iterator<Item = (&Tape<T>, T)> {
        self.chunks().map(|chunk| (&chunk.tape, chunk.loss))
    }
}

impl<T: Scalar> Drop for BatchStep<T> {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            shared.stop.store(true, Ordering::Release);
            for helper in self.helpers.drain(..) {
                helper.thread().unpark();
                // A helper that panicked has said so on stderr already.
                let _ = helper.join();
            }
        }
    }
}

/// One step of `active` chunks on the calling thread and the helpers: the weights copied for
/// the helpers, the chunks handed over, taken by whoever comes first, and taken back.
fn run_shared<T: Scalar>(
    shared: &Shared<T>,
    helpers: &[JoinHandle<()>],
    active: &mut [Option<Chunk<T>>],
    network: &Network<T>,
    step: u64,
) {
    {
        let mut copy = shared.network.write().unwrap_or_else(PoisonError::into_inner);
        for (to, from) in copy.parameter_blocks_mut().zip(network.parameter_blocks()) {
            to.copy_from_slice(from);
        }
    }
    for (slot, chunk) in shared.slots.iter().zip(active.iter_mut()) {
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = chunk.take();
    }
    let n_active = active.len();
    shared.done.store(0, Ordering::Relaxed);
    shared.work.store((step << 32) | ((n_active as u64) << 16), Ordering::Release);
    for helper in helpers {
        helper.thread().unpark();
    }
    shared.take_chunks(step, network);
    let mut spins = 0_u32;
    while shared.done.load(Ordering::Acquire) < n_active {
        std::hint::spin_loop();
        spins = spins.wrapping_add(1);
        if spins % 4096 == 0 {
            assert!(
                !helpers.iter().any(JoinHandle::is_finished),
                "a training thread stopped in the middle of a step"
            );
            std::thread::yield_now();
        }
    }
    for (slot, chunk) in shared.slots.iter().zip(active.iter_mut()) {
        *chunk = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

/// Writes **g = Σ_c (n_c / B) g_c** into `gradients` and returns **Σ_c (n_c / B) E_c**, summing
/// in chunk order.
fn combine<'a, T: Scalar>(
    mut chunks: impl Iterator<Item = &'a Chunk<T>>,
    batch: usize,
    gradients: &mut Gradients<T>,
) -> T {
    let weight = |chunk: &Chunk<T>| T::from_f64_value(chunk.range.len() as f64 / batch as f64);
    let (first, rest) = (chunks.next().expect("at least one chunk"), chunks);
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
