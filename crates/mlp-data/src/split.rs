//! Seeded train/validation splits.
//!
//! The random numbers come from `ChaCha8Rng::seed_from_u64(seed)`, which is specified bit for bit,
//! so a seed gives the same split on every platform and with every build.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::error::DataError;

/// How to split samples into training and validation sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitOptions {
    /// Share of the samples held out for validation, `0 ≤ fraction < 1`. Default: 0 (everything
    /// is training).
    pub validation_fraction: f64,
    /// Seed of the shuffle. Default: 0.
    pub seed: u64,
}

impl Default for SplitOptions {
    fn default() -> Self {
        SplitOptions { validation_fraction: 0.0, seed: 0 }
    }
}

/// 0-based sample indices of the two sets, each sorted in increasing order (file order). Every
/// sample is in exactly one set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Split {
    /// Training samples, sorted.
    pub train: Vec<usize>,
    /// Validation samples, sorted; empty when the fraction is 0.
    pub validation: Vec<usize>,
}

/// Shuffles the `n_samples` indices and holds out `round(fraction · n_samples)` of them for
/// validation, clamped so that a positive fraction holds out at least one sample and at least
/// one sample is left for training (when `n_samples ≥ 2`). For regression.
pub fn shuffle_split(n_samples: usize, options: &SplitOptions) -> Result<Split, DataError> {
    check_fraction(options.validation_fraction)?;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut indices: Vec<usize> = (0..n_samples).collect();
    let n_validation = validation_count(n_samples, options.validation_fraction);
    let mut split = Split::default();
    hold_out(&mut indices, n_validation, &mut rng, &mut split);
    split.train.sort_unstable();
    split.validation.sort_unstable();
    Ok(split)
}

/// Splits each class separately, in proportion, as [`shuffle_split`] does with the whole set:
/// a class of `n_c` samples gives `round(fraction · n_c)` validation samples, at least one when
/// `n_c ≥ 2` and the fraction is positive, and at least one training sample. A class with a
/// single sample stays in training. For classification.
///
/// `classes[j]` is the class index of sample j (e.g. from [`super::ClassEncoding::indices`]).
pub fn stratified_split(classes: &[usize], options: &SplitOptions) -> Result<Split, DataError> {
    check_fraction(options.validation_fraction)?;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (sample_idx, &class_idx) in classes.iter().enumerate() {
        members.entry(class_idx).or_default().push(sample_idx);
    }
    let mut split = Split::default();
    // Classes are shuffled one after the other, in class order, from the same generator.
    for class_members in members.values_mut() {
        let n_validation = validation_count(class_members.len(), options.validation_fraction);
        hold_out(class_members, n_validation, &mut rng, &mut split);
    }
    split.train.sort_unstable();
    split.validation.sort_unstable();
    Ok(split)
}

fn check_fraction(fraction: f64) -> Result<(), DataError> {
    if (0.0..1.0).contains(&fraction) {
        Ok(())
    } else {
        Err(DataError::InvalidFraction { fraction })
    }
}

/// `round(fraction · n)`, at least 1 when the fraction is positive, at most `n − 1`.
fn validation_count(n_samples: usize, fraction: f64) -> usize {
    if n_samples < 2 || fraction <= 0.0 {
        return 0;
    }
    // The cast saturates; the product is in 0..n anyway.
    let rounded = (fraction * n_samples as f64).round() as usize;
    rounded.clamp(1, n_samples - 1)
}

/// Shuffles `indices` and moves the first `n_validation` to validation, the rest to training.
fn hold_out(indices: &mut [usize], n_validation: usize, rng: &mut ChaCha8Rng, split: &mut Split) {
    indices.shuffle(rng);
    let (validation, train) = indices.split_at(n_validation.min(indices.len()));
    split.validation.extend_from_slice(validation);
    split.train.extend_from_slice(train);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(validation_fraction: f64, seed: u64) -> SplitOptions {
        SplitOptions { validation_fraction, seed }
    }

    fn assert_partition(split: &Split, n_samples: usize) {
        let mut all: Vec<usize> = split.train.iter().chain(&split.validation).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..n_samples).collect::<Vec<_>>());
        assert!(split.train.is_sorted());
        assert!(split.validation.is_sorted());
    }

    #[test]
    fn shuffle_split_sizes_and_partition() {
        let split = shuffle_split(10, &options(0.3, 1)).unwrap();
        assert_eq!((split.train.len(), split.validation.len()), (7, 3));
        assert_partition(&split, 10);

        let split = shuffle_split(10, &options(0.01, 1)).unwrap();
        assert_eq!(split.validation.len(), 1);
        let split = shuffle_split(2, &options(0.99, 1)).unwrap();
        assert_eq!((split.train.len(), split.validation.len()), (1, 1));
        let split = shuffle_split(1, &options(0.5, 1)).unwrap();
        assert_eq!(split, Split { train: vec![0], validation: vec![] });
    }

    #[test]
    fn fraction_zero_keeps_everything_for_training() {
        let split = shuffle_split(5, &options(0.0, 9)).unwrap();
        assert_eq!(split, Split { train: vec![0, 1, 2, 3, 4], validation: vec![] });
        let split = stratified_split(&[0, 1, 0, 1], &options(0.0, 9)).unwrap();
        assert_eq!(split, Split { train: vec![0, 1, 2, 3], validation: vec![] });
    }

    #[test]
    fn same_seed_same_split_different_seed_different_split() {
        let a = shuffle_split(100, &options(0.2, 42)).unwrap();
        let b = shuffle_split(100, &options(0.2, 42)).unwrap();
        let c = shuffle_split(100, &options(0.2, 43)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);

        let classes: Vec<usize> = (0..90).map(|sample_idx| sample_idx % 3).collect();
        let a = stratified_split(&classes, &options(0.2, 42)).unwrap();
        let b = stratified_split(&classes, &options(0.2, 42)).unwrap();
        let c = stratified_split(&classes, &options(0.2, 43)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn stratified_split_keeps_class_proportions() {
        // 50 samples of class 0, 30 of class 1, 20 of class 2, interleaved.
        let classes: Vec<usize> = (0..100)
            .map(|sample_idx| match sample_idx % 10 {
                0..=4 => 0,
                5..=7 => 1,
                _ => 2,
            })
            .collect();
        let split = stratified_split(&classes, &options(0.2, 7)).unwrap();
        assert_partition(&split, 100);
        let count = |set: &[usize], class_idx: usize| {
            set.iter().filter(|&&j| classes[j] == class_idx).count()
        };
        assert_eq!([0, 1, 2].map(|c| count(&split.validation, c)), [10, 6, 4]);
        assert_eq!([0, 1, 2].map(|c| count(&split.train, c)), [40, 24, 16]);
    }

    #[test]
    fn stratified_split_holds_out_one_of_each_small_class() {
        // Class 0 has 2 samples, class 1 has 1, class 2 has 20.
        let mut classes = vec![0, 0, 1];
        classes.extend(std::iter::repeat_n(2, 20));
        let split = stratified_split(&classes, &options(0.1, 3)).unwrap();
        assert_partition(&split, classes.len());
        let count = |set: &[usize], class_idx: usize| {
            set.iter().filter(|&&j| classes[j] == class_idx).count()
        };
        assert_eq!([0, 1, 2].map(|c| count(&split.validation, c)), [1, 0, 2]);
        assert!(split.train.contains(&2), "a single-sample class stays in training");
    }

    #[test]
    fn invalid_fractions_are_errors() {
        for fraction in [-0.1, 1.0, 1.5, f64::NAN, f64::INFINITY] {
            let err = shuffle_split(10, &options(fraction, 0)).unwrap_err();
            assert!(matches!(err, DataError::InvalidFraction { .. }), "{fraction}: {err:?}");
            let err = stratified_split(&[0, 1], &options(fraction, 0)).unwrap_err();
            assert!(matches!(err, DataError::InvalidFraction { .. }), "{fraction}: {err:?}");
        }
    }
}
