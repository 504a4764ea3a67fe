//! The numbers of a [`Table`](super::Table): one block, row after row, in the precision the
//! table was read at ([`NumberPrecision`]).

use mlp_core::Scalar;

/// The precision a [`Table`](super::Table) holds its numbers in ([`CsvOptions::precision`]).
///
/// [`CsvOptions::precision`]: super::CsvOptions::precision
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum NumberPrecision {
    /// 8 bytes a cell; every number exactly as `str::parse::<f64>` reads it. The default.
    #[default]
    F64,
    /// 4 bytes a cell: each number is read as an `f64` and rounded to the nearest `f32`
    /// (`x as f32`), so that everything computed from the table (selections, standardization
    /// statistics, the prepared inputs) starts from the f32-rounded values. A finite number too
    /// large for an `f32` is kept exactly as read (beside the block), never turned into an
    /// infinity. For training in `f32` on large files: half the memory.
    F32,
}

/// Every cell's number (0 for a text cell), row after row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NumberBlock {
    /// Numbers as read.
    F64(Vec<f64>),
    /// Numbers rounded to `f32`; the ones too large for an `f32` (∞ in `values`) are in
    /// `wide`, by their index in `values`, in increasing order.
    F32 { values: Vec<f32>, wide: Vec<(usize, f64)> },
}

impl Default for NumberBlock {
    fn default() -> Self {
        NumberBlock::F64(Vec::new())
    }
}

impl NumberBlock {
    /// An empty block holding numbers at `precision`.
    pub(crate) fn new(precision: NumberPrecision) -> Self {
        match precision {
            NumberPrecision::F64 => NumberBlock::F64(Vec::new()),
            NumberPrecision::F32 => NumberBlock::F32 { values: Vec::new(), wide: Vec::new() },
        }
    }

    /// Number of cells.
    pub(crate) fn len(&self) -> usize {
        match self {
            NumberBlock::F64(values) => values.len(),
            NumberBlock::F32 { values, .. } => values.len(),
        }
    }

    /// Appends one cell's number.
    pub(crate) fn push(&mut self, x: f64) {
        match self {
            NumberBlock::F64(values) => values.push(x),
            NumberBlock::F32 { values, wide } => {
                let rounded = x as f32;
                if rounded.is_infinite() && x.is_finite() {
                    wide.push((values.len(), x));
                }
                values.push(rounded);
            }
        }
    }

    /// Appends the cells' numbers `xs`.
    pub(crate) fn extend(&mut self, xs: &[f64]) {
        match self {
            NumberBlock::F64(values) => values.extend_from_slice(xs),
            NumberBlock::F32 { values, wide } => {
                values.reserve(xs.len());
                for &x in xs {
                    let rounded = x as f32;
                    if rounded.is_infinite() && x.is_finite() {
                        wide.push((values.len(), x));
                    }
                    values.push(rounded);
                }
            }
        }
    }

    /// The number of cell `index` (row-major), widened to `f64`.
    pub(crate) fn get(&self, index: usize) -> Option<f64> {
        match self {
            NumberBlock::F64(values) => values.get(index).copied(),
            NumberBlock::F32 { values, wide } => {
                let rounded = *values.get(index)?;
                if rounded.is_infinite() {
                    if let Ok(found) = wide.binary_search_by_key(&index, |&(at, _)| at) {
                        return Some(wide[found].1);
                    }
                }
                Some(f64::from(rounded))
            }
        }
    }

    /// True when a number of the block is too large for its precision (kept beside it).
    pub(crate) fn has_wide(&self) -> bool {
        matches!(self, NumberBlock::F32 { wide, .. } if !wide.is_empty())
    }

    /// The largest |x| of the block (0 for an empty one).
    pub(crate) fn largest_magnitude(&self) -> f64 {
        match self {
            NumberBlock::F64(values) => values.iter().fold(0.0_f64, |max, &x| max.max(x.abs())),
            NumberBlock::F32 { values, wide } => {
                let rounded = values
                    .iter()
                    .filter(|x| x.is_finite())
                    .fold(0.0_f32, |max, &x| max.max(x.abs()));
                wide.iter().fold(f64::from(rounded), |max, &(_, x)| max.max(x.abs()))
            }
        }
    }

    /// Frees the spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        match self {
            NumberBlock::F64(values) => values.shrink_to_fit(),
            NumberBlock::F32 { values, wide } => {
                values.shrink_to_fit();
                wide.shrink_to_fit();
            }
        }
    }

    /// The block of a table of `n_columns` columns cut to the columns `columns` (in that
    /// order; any order, repeated or not) of every row, in precision `T`: in place (each row
    /// moves left over the columns left out) when `T` is the block's precision, converted
    /// otherwise. The block must hold no wide number.
    pub(crate) fn into_columns<T: Scalar>(self, n_columns: usize, columns: &[usize]) -> Vec<T> {
        match self {
            NumberBlock::F64(values) => compact_as(values, n_columns, columns),
            NumberBlock::F32 { values, .. } => compact_as(values, n_columns, columns),
        }
    }
}

/// Widens (or keeps) a block number as an `f64`.
pub(crate) trait BlockNumber: Copy + Default + 'static {
    fn widen(self) -> f64;
}

impl BlockNumber for f64 {
    fn widen(self) -> f64 {
        self
    }
}

impl BlockNumber for f32 {
    fn widen(self) -> f64 {
        f64::from(self)
    }
}

/// [`NumberBlock::into_columns`] over one precision's values.
fn compact_as<S: BlockNumber, T: Scalar>(
    values: Vec<S>,
    n_columns: usize,
    columns: &[usize],
) -> Vec<T> {
    let mut values = Some(values);
    // `Some` only when `T` is `S`: the block is reused.
    let same = (&mut values as &mut dyn std::any::Any)
        .downcast_mut::<Option<Vec<T>>>()
        .and_then(Option::take);
    match (same, values) {
        (Some(mut same), _) => {
            compact_in_place(&mut same, n_columns, columns);
            same
        }
        (None, Some(values)) => {
            let n_rows = values.len().checked_div(n_columns).unwrap_or(0);
            let mut out = Vec::with_capacity(n_rows * columns.len());
            for row in values.chunks_exact(n_columns.max(1)) {
                out.extend(columns.iter().map(|&idx| T::from_f64_value(row[idx].widen())));
            }
            out
        }
        (None, None) => Vec::new(),
    }
}

/// Cuts a row-major block of `n_columns` columns to the columns `columns` of every row, in
/// place, and frees the rest. Increasing columns move left cell by cell (a contiguous run in
/// one copy); in any other order each row is copied aside first: row `r`'s kept cells land at
/// or before where row `r` started, never over a later row.
fn compact_in_place<T: Copy + Default>(values: &mut Vec<T>, n_columns: usize, columns: &[usize]) {
    let n_kept = columns.len();
    let n_rows = values.len().checked_div(n_columns).unwrap_or(0);
    let identity = columns.iter().copied().eq(0..n_columns);
    let increasing = columns.windows(2).all(|pair| pair[0] < pair[1]);
    if identity {
    } else if let (true, Some(&first)) = (increasing, columns.first()) {
        let contiguous = columns.last() == Some(&(first + n_kept - 1));
        for row_idx in 0..n_rows {
            let (from, to) = (row_idx * n_columns, row_idx * n_kept);
            // Increasing columns: every cell moves left (or stays), over cells already moved.
            if contiguous {
                values.copy_within(from + first..from + first + n_kept, to);
            } else {
                for (kept_idx, &column_idx) in columns.iter().enumerate() {
                    values[to + kept_idx] = values[from + column_idx];
                }
            }
        }
    } else {
        let mut row = vec![T::default(); n_columns];
        for row_idx in 0..n_rows {
            let start = row_idx * n_columns;
            row.copy_from_slice(&values[start..start + n_columns]);
            let kept = &mut values[row_idx * n_kept..(row_idx + 1) * n_kept];
            for (cell, &column_idx) in kept.iter_mut().zip(columns) {
                *cell = row[column_idx];
            }
        }
    }
    values.truncate(n_rows * n_kept);
    values.shrink_to_fit();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_blocks_round_and_keep_numbers_too_large_for_f32() {
        let mut block = NumberBlock::new(NumberPrecision::F32);
        block.extend(&[0.1, 1e39, -2.5]);
        block.push(-1e300);
        assert_eq!(block.get(0), Some(f64::from(0.1_f32)));
        assert_eq!(block.get(1), Some(1e39));
        assert_eq!(block.get(2), Some(-2.5));
        assert_eq!(block.get(3), Some(-1e300));
        assert_eq!(block.get(4), None);
        assert!(block.has_wide());
        assert_eq!(block.largest_magnitude(), 1e300);
        // f32::MAX and what rounds to it stay in the block.
        let mut block = NumberBlock::new(NumberPrecision::F32);
        block.push(f64::from(f32::MAX) * (1.0 + f64::EPSILON));
        assert!(!block.has_wide());
        assert_eq!(block.get(0), Some(f64::from(f32::MAX)));
    }

    #[test]
    fn columns_cut_in_place_are_the_gathered_columns_in_any_order() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..300 {
            let (n_rows, n_columns) = (rng.random_range(0..6), rng.random_range(1..9));
            let values: Vec<f64> =
                (0..n_rows * n_columns).map(|_| rng.random::<f64>() * 1e3).collect();
            let mut columns: Vec<usize> =
                (0..n_columns).filter(|_| rng.random_range(0..3) > 0).collect();
            if rng.random_range(0..3) == 0 {
                columns.reverse();
            }
            let gathered: Vec<f64> = values
                .chunks_exact(n_columns)
                .flat_map(|row| columns.iter().map(|&idx| row[idx]))
                .collect();
            let block = NumberBlock::F64(values.clone());
            assert_eq!(block.into_columns::<f64>(n_columns, &columns), gathered, "{columns:?}");
            let block = NumberBlock::F64(values.clone());
            let as_f32: Vec<f32> = gathered.iter().map(|&x| x as f32).collect();
            assert_eq!(block.into_columns::<f32>(n_columns, &columns), as_f32);
            let mut block = NumberBlock::new(NumberPrecision::F32);
            block.extend(&values);
            assert_eq!(block.into_columns::<f32>(n_columns, &columns), as_f32);
        }
    }
}
