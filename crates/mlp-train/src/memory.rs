//! Memory checks made before a network, its training state or its tapes are allocated, so that
//! sizes too large for the machine are an error naming the layer sizes instead of an abort.
//!
//! ```
//! use mlp_core::Footprint;
//! use mlp_train::memory::{MemoryLimit, MemoryNeed};
//! use mlp_train::TrainConfig;
//!
//! let footprint = Footprint::new::<f64>(&[4, 100_000_000, 3], true);
//! let need = MemoryNeed::training(&footprint, &TrainConfig::default(), 150);
//! let err = need.check(MemoryLimit::Given(1 << 30)).unwrap_err();
//! // Mostly the tapes: five numbers per neuron and sample, for a batch of 32 and one of 150.
//! assert!(err.to_string().starts_with("a 4-100000000-3 network needs 701.8 GiB to train"));
//! assert!(err.to_string().ends_with("but the limit is 1.0 GiB"));
//! ```

use std::fmt;
use std::path::Path;

use mlp_core::Footprint;

use crate::TrainConfig;

/// Samples per forward pass when [`crate::evaluate`] runs a network over a dataset.
pub const EVALUATION_BATCH: usize = 256;

/// How many bytes may be allocated, and where that figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryLimit {
    /// A limit the caller set (`--max-memory`).
    Given(u64),
    /// What the system reports available (Linux: `MemAvailable` in `/proc/meminfo`, lowered
    /// to the cgroup's `memory.max` less `memory.current` when a cgroup v2 limit is set).
    Available(u64),
    /// No figure: nothing is refused.
    Unknown,
}

impl MemoryLimit {
    /// `max` when given, otherwise [`MemoryLimit::system`].
    pub fn new(max: Option<u64>) -> MemoryLimit {
        max.map_or_else(MemoryLimit::system, MemoryLimit::Given)
    }

    /// What the system reports available; [`MemoryLimit::Unknown`] where it does not say
    /// (systems other than Linux).
    pub fn system() -> MemoryLimit {
        let read = |path: &str| std::fs::read_to_string(Path::new(path)).ok();
        system_limit(
            read("/proc/meminfo").as_deref(),
            read("/sys/fs/cgroup/memory.max").as_deref(),
            read("/sys/fs/cgroup/memory.current").as_deref(),
        )
    }

    /// The limit in bytes, if there is one.
    pub fn bytes(self) -> Option<u64> {
        match self {
            MemoryLimit::Given(bytes) | MemoryLimit::Available(bytes) => Some(bytes),
            MemoryLimit::Unknown => None,
        }
    }
}

/// [`MemoryLimit::system`] from the texts of `/proc/meminfo` and of the cgroup's `memory.max`
/// and `memory.current` (`None` where a file cannot be read).
fn system_limit(meminfo: Option<&str>, max: Option<&str>, current: Option<&str>) -> MemoryLimit {
    let available = meminfo.and_then(mem_available);
    let cgroup = match (max, current) {
        (Some(max), Some(current)) => cgroup_room(max, current),
        _ => None,
    };
    match (available, cgroup) {
        (Some(a), Some(c)) => MemoryLimit::Available(a.min(c)),
        (Some(bytes), None) | (None, Some(bytes)) => MemoryLimit::Available(bytes),
        (None, None) => MemoryLimit::Unknown,
    }
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|line| line.starts_with("MemAvailable:"))?;
    let mut words = line["MemAvailable:".len()..].split_whitespace();
    let number: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => number.checked_mul(1024),
        None => Some(number),
        Some(_) => None,
    }
}

/// A cgroup v2 limit less what the group uses; `None` for `max` (no limit).
fn cgroup_room(max: &str, current: &str) -> Option<u64> {
    let max: u64 = max.trim().parse().ok()?;
    let current: u64 = current.trim().parse().ok()?;
    Some(max.saturating_sub(current))
}

/// The bytes a network needs for a purpose (training, or running batches), counted from its
/// [`Footprint`] before anything is allocated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryNeed {
    sizes: String,
    bytes: Option<u64>,
    purpose: String,
}

impl MemoryNeed {
    /// What [`crate::train_with`] allocates for a network of `footprint` (in the float type it
    /// trains in) with `config` on `n_samples` training samples: the network, its gradients,
    /// the optimizer's buffers (one for SGD, momentum and RMSprop, two for Adam and AdamW), the
    /// best weights under
    /// `patience`, the tapes of a batch's chunks (with a gradient buffer per chunk when a batch
    /// is split) and a tape for evaluation batches.
    pub fn training(footprint: &Footprint, config: &TrainConfig, n_samples: usize) -> MemoryNeed {
        let batch = config.batch_size.min(n_samples).max(1);
        let (n_tapes, tape_capacity, n_chunk_gradients) = crate::batch_step::chunk_buffers(batch);
        let copies = 3
            + u64::from(config.optimizer.state_vectors() == 2)
            + u64::from(config.patience.is_some())
            + n_chunk_gradients as u64;
        let evaluation_batch = n_samples.clamp(1, EVALUATION_BATCH);
        let bytes = (|| {
            footprint
                .parameter_bytes()?
                .checked_mul(copies)?
                .checked_add(footprint.tape_bytes(tape_capacity)?.checked_mul(n_tapes as u64)?)?
                .checked_add(footprint.tape_bytes(evaluation_batch)?)
        })();
        MemoryNeed {
            sizes: footprint.sizes_text(),
            bytes,
            purpose: format!(
                "to train (parameters, gradients, optimizer state and buffers for batches of \
                 {batch} and {evaluation_batch})"
            ),
        }
    }

    /// What running batches of up to `batch` samples through a network of `footprint` takes
    /// besides the network itself: one tape.
    pub fn inference(footprint: &Footprint, batch: usize) -> MemoryNeed {
        let batch = batch.max(1);
        MemoryNeed {
            sizes: footprint.sizes_text(),
            bytes: footprint.tape_bytes(batch),
            purpose: format!("to run batches of {batch} samples"),
        }
    }

    /// The bytes counted, `None` when they do not fit in a `u64`.
    pub fn bytes(&self) -> Option<u64> {
        self.bytes
    }

    /// Fails when the bytes cannot be counted or exceed `limit`.
    pub fn check(&self, limit: MemoryLimit) -> Result<(), MemoryError> {
        let Some(needed) = self.bytes else {
            return Err(MemoryError::Uncountable { sizes: self.sizes.clone() });
        };
        match limit.bytes() {
            Some(limit_bytes) if needed > limit_bytes => Err(MemoryError::TooLarge {
                sizes: self.sizes.clone(),
                needed,
                purpose: self.purpose.clone(),
                limit,
            }),
            _ => Ok(()),
        }
    }
}

/// A network too large for the memory there is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MemoryError {
    /// More bytes than the limit.
    #[error("a {sizes} network needs {} {purpose} but {}", Bytes(*.needed), LimitText(*.limit))]
    TooLarge {
        /// The layer sizes from the inputs to the outputs, `4-100-3`.
        sizes: String,
        /// The bytes needed.
        needed: u64,
        /// What for.
        purpose: String,
        /// The limit it exceeds.
        limit: MemoryLimit,
    },
    /// So many bytes that they cannot be counted in 64 bits.
    #[error("a {sizes} network is too large: its size in bytes does not even fit in 64 bits")]
    Uncountable {
        /// The layer sizes from the inputs to the outputs.
        sizes: String,
    },
}

/// A byte count for people: `512 bytes`, `1.5 KiB`, `57.8 GiB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        if self.0 < 1024 {
            return write!(f, "{} bytes", self.0);
        }
        let mut value = self.0 as f64 / 1024.0;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < UNITS.len() {
            value /= 1024.0;
            unit += 1;
        }
        write!(f, "{value:.1} {}", UNITS[unit])
    }
}

/// The end of a [`MemoryError::TooLarge`] message.
struct LimitText(MemoryLimit);

impl fmt::Display for LimitText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            MemoryLimit::Given(bytes) => write!(f, "the limit is {}", Bytes(bytes)),
            MemoryLimit::Available(bytes) => {
                write!(f, "only {} is available (MemAvailable)", Bytes(bytes))
            }
            MemoryLimit::Unknown => write!(f, "there is no limit"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Optimizer;

    #[test]
    fn reads_mem_available_from_proc_meminfo() {
        let meminfo = "MemTotal:       32762348 kB\nMemFree:         1015624 kB\n\
                       MemAvailable:   23610944 kB\nBuffers:          612844 kB\n";
        assert_eq!(mem_available(meminfo), Some(23_610_944 * 1024));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
        assert_eq!(mem_available("MemAvailable: lots kB\n"), None);
        assert_eq!(cgroup_room("max\n", "100\n"), None);
        assert_eq!(cgroup_room("1000\n", "100\n"), Some(900));
        assert_eq!(cgroup_room("1000\n", "2000\n"), Some(0));
        assert_eq!(mem_available("MemAvailable: 4096\n"), Some(4096));
        assert_eq!(mem_available("MemAvailable: 4 MB\n"), None);
    }

    /// The smaller of MemAvailable (4 kB = 4,096 bytes) and the cgroup's room (max − current),
    /// whichever of the two is there.
    #[test]
    fn the_system_limit_is_the_smaller_of_mem_available_and_the_cgroups_room() {
        let meminfo = Some("MemAvailable: 4 kB\n");
        let limit = |max, current| system_limit(meminfo, max, current);
        // 1000 − 100 = 900 < 4096.
        assert_eq!(limit(Some("1000\n"), Some("100\n")), MemoryLimit::Available(900));
        // 10000 − 100 = 9900 > 4096.
        assert_eq!(limit(Some("10000\n"), Some("100\n")), MemoryLimit::Available(4096));
        assert_eq!(limit(Some("max\n"), Some("100\n")), MemoryLimit::Available(4096));
        assert_eq!(limit(Some("1000\n"), None), MemoryLimit::Available(4096));
        assert_eq!(system_limit(None, Some("1000\n"), Some("100\n")), MemoryLimit::Available(900));
        assert_eq!(system_limit(None, Some("max\n"), Some("100\n")), MemoryLimit::Unknown);
        assert_eq!(system_limit(Some("MemTotal: 1 kB\n"), None, None), MemoryLimit::Unknown);
    }

    /// The training count, term by term, for iris with the defaults (Adam, batch 32).
    #[test]
    fn training_counts_parameters_optimizer_state_and_two_tapes() {
        let footprint = Footprint::new::<f64>(&[4, 100, 3], true);
        let parameters = footprint.parameter_bytes().unwrap();
        let tape = |batch| footprint.tape_bytes(batch).unwrap();
        let adam = MemoryNeed::training(&footprint, &TrainConfig::default(), 120);
        // Network, gradients, Adam's two moments.
        assert_eq!(adam.bytes(), Some(4 * parameters + tape(32) + tape(120)));
        let sgd =
            TrainConfig { optimizer: Optimizer::Sgd, patience: Some(5), ..TrainConfig::default() };
        // Network, gradients, the one buffer every optimizer has, the best weights.
        assert_eq!(
            MemoryNeed::training(&footprint, &sgd, 1000).bytes(),
            Some(4 * parameters + tape(32) + tape(EVALUATION_BATCH))
        );
        assert_eq!(MemoryNeed::inference(&footprint, 256).bytes(), Some(tape(256)));
        // Batches of 100 run as 3 chunks, each with a tape for up to 63 samples (the largest
        // chunk of any batch up to 100) and a gradient buffer.
        let split =
            TrainConfig { optimizer: Optimizer::Sgd, batch_size: 100, ..TrainConfig::default() };
        assert_eq!(
            MemoryNeed::training(&footprint, &split, 1000).bytes(),
            Some((3 + 3) * parameters + 3 * tape(63) + tape(EVALUATION_BATCH))
        );
    }

    #[test]
    fn check_refuses_more_than_the_limit_naming_sizes_and_bytes() {
        let footprint = Footprint::new::<f64>(&[2, 1000, 2], true);
        let need = MemoryNeed::inference(&footprint, 256);
        let needed = need.bytes().unwrap();
        assert_eq!(need.check(MemoryLimit::Given(needed)), Ok(()));
        assert_eq!(need.check(MemoryLimit::Unknown), Ok(()));
        let err = need.check(MemoryLimit::Given(needed - 1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a 2-1000-2 network needs 9.8 MiB to run batches of 256 samples but the limit is \
             9.8 MiB"
        );
        let err = need.check(MemoryLimit::Available(1 << 20)).unwrap_err();
        assert!(err.to_string().ends_with("but only 1.0 MiB is available (MemAvailable)"));
        let huge = Footprint::new::<f64>(&[4, 4_611_686_018_427_387_904, 3], true);
        let need = MemoryNeed::training(&huge, &TrainConfig::default(), 150);
        assert_eq!(
            need.check(MemoryLimit::Unknown).unwrap_err().to_string(),
            "a 4-4611686018427387904-3 network is too large: its size in bytes does not even \
             fit in 64 bits"
        );
    }

    #[test]
    fn bytes_read_in_binary_units() {
        assert_eq!(Bytes(0).to_string(), "0 bytes");
        assert_eq!(Bytes(1023).to_string(), "1023 bytes");
        // 1024 / 1024 = 1.0: the first number in KiB.
        assert_eq!(Bytes(1024).to_string(), "1.0 KiB");
        assert_eq!(Bytes(1536).to_string(), "1.5 KiB");
        assert_eq!(Bytes(62_052_000_000).to_string(), "57.8 GiB");
        assert_eq!(Bytes(u64::MAX).to_string(), "16.0 EiB");
    }

    /// On Linux the system figure is there and plausible (more than a megabyte).
    #[test]
    fn the_system_reports_available_memory_on_linux() {
        if cfg!(target_os = "linux") {
            let bytes = MemoryLimit::system().bytes().unwrap();
            assert!(bytes > 1 << 20, "{bytes}");
        }
    }
}
