//! What to suggest when a column name is not in a file: another delimiter, or a name close to
//! the one asked for.

use std::fmt;

/// Delimiters a header read with the wrong one may still contain, in order of preference on a
/// tie.
const MISREAD_DELIMITERS: [u8; 4] = [b';', b'\t', b'|', b','];

/// Delimiters whose mere presence in a header name suggests a misread header: unlike `,`,
/// `|` and spaces they hardly ever appear inside a column name.
const TELLTALE_DELIMITERS: [u8; 2] = [b';', b'\t'];

/// Names longer than this (in characters) are only matched case-insensitively, never by edit
/// distance, which keeps the search linear in the size of the header.
const MAX_FUZZY_CHARS: usize = 64;

/// Longest name quoted in full in a message; longer names are cut with `…`.
pub(crate) const MAX_NAME_CHARS: usize = 80;

/// A hint for a column name that is not in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnSuggestion {
    /// The header looks split on the wrong delimiter: use this one (`--delimiter`).
    Delimiter(u8),
    /// The column with the closest name.
    Name(String),
}

impl fmt::Display for ColumnSuggestion {
    /// `the file seems to use ';' between fields: try --delimiter ';'`, or
    /// `did you mean "species"?`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnSuggestion::Delimiter(b'\t') => {
                f.write_str(r"the file seems to use tabs between fields: try --delimiter '\t'")
            }
            ColumnSuggestion::Delimiter(delimiter) => {
                let delimiter = char::from(*delimiter);
                write!(
                    f,
                    "the file seems to use '{delimiter}' between fields: try --delimiter '{delimiter}'"
                )
            }
            ColumnSuggestion::Name(name) => write!(f, "did you mean {}?", QuotedName(name)),
        }
    }
}

/// What to suggest to someone who asked for column `name` of a file whose columns are
/// `available`, if anything.
///
/// In this order:
/// 1. [`ColumnSuggestion::Delimiter`] `d` when splitting a column name on `d` (`;`, tab, `|`
///    or `,`) gives `name`: the header was read with the wrong delimiter;
/// 2. [`ColumnSuggestion::Delimiter`] when column names contain `;` or a tab at all (the one
///    found most often);
/// 3. [`ColumnSuggestion::Name`] with the first column whose name equals `name` ignoring case;
/// 4. [`ColumnSuggestion::Name`] with the first of the columns closest to `name` by edit
///    distance (insertions, deletions, substitutions and swaps of neighbours, ignoring case),
///    if that distance is at most 1 for names of 3 to 5 characters, 2 for 6 to 9 and 3 for
///    longer ones (up to 64 characters).
///
/// Linear in the total length of the names (each name is compared within a band of the edit
/// table, and only if its length is close enough): a header of 300,000 columns answers in
/// under a tenth of a second in an optimised build.
///
/// # Example
///
/// ```
/// use mlp_data::{suggest_column, ColumnSuggestion};
///
/// let columns = ["bill_length".to_owned(), "Species".to_owned()];
/// assert_eq!(suggest_column("species", &columns), Some(ColumnSuggestion::Name("Species".into())));
/// assert_eq!(suggest_column("bill_lenght", &columns), Some(ColumnSuggestion::Name("bill_length".into())));
/// assert_eq!(suggest_column("mass", &columns), None);
///
/// let misread = ["species;island;mass".to_owned()];
/// let suggestion = suggest_column("species", &misread).unwrap();
/// assert_eq!(suggestion, ColumnSuggestion::Delimiter(b';'));
/// assert_eq!(
///     suggestion.to_string(),
///     "the file seems to use ';' between fields: try --delimiter ';'"
/// );
/// ```
pub fn suggest_column(name: &str, available: &[String]) -> Option<ColumnSuggestion> {
    misread_delimiter(name, available)
        .map(ColumnSuggestion::Delimiter)
        .or_else(|| closest_name(name, available).map(ColumnSuggestion::Name))
}

/// Rules 1 and 2 of [`suggest_column`].
fn misread_delimiter(name: &str, available: &[String]) -> Option<u8> {
    let wanted = name.trim();
    for delimiter in MISREAD_DELIMITERS {
        let splits_into_wanted = |column: &String| {
            column.as_bytes().contains(&delimiter)
                && column.split(char::from(delimiter)).any(|part| part.trim() == wanted)
        };
        if available.iter().any(splits_into_wanted) {
            return Some(delimiter);
        }
    }
    let counts = TELLTALE_DELIMITERS.map(|delimiter| {
        available
            .iter()
            .map(|column| column.bytes().filter(|&byte| byte == delimiter).count())
            .sum::<usize>()
    });
    let (best_idx, &best_count) =
        counts.iter().enumerate().rev().max_by_key(|&(_, &count)| count)?;
    (best_count > 0).then_some(TELLTALE_DELIMITERS[best_idx])
}

/// Rules 3 and 4 of [`suggest_column`].
fn closest_name(name: &str, available: &[String]) -> Option<String> {
    let wanted: Vec<char> = lowercase(name).collect();
    // A case-insensitive match is distance 0 between the lowercased names.
    let max_distance = match wanted.len() {
        3..=5 => 1,
        6..=9 => 2,
        10..=MAX_FUZZY_CHARS => 3,
        _ => 0,
    };
    let mut distance = EditDistance::default();
    let mut candidate = Vec::new();
    let mut best: Option<(usize, &String)> = None;
    for column in available {
        let limit = best.map_or(max_distance, |(best_distance, _)| best_distance - 1);
        // A name has at least as many bytes as characters and at most four times as many.
        let n_bytes = column.len();
        if n_bytes + limit < wanted.len() || n_bytes > 4 * (wanted.len() + limit) {
            continue;
        }
        candidate.clear();
        if column.is_ascii() {
            candidate.extend(column.bytes().map(|byte| char::from(byte.to_ascii_lowercase())));
        } else {
            candidate.extend(lowercase(column));
        }
        if candidate.len().abs_diff(wanted.len()) > limit {
            continue;
        }
        if let Some(column_distance) = distance.at_most(limit, &wanted, &candidate) {
            best = Some((column_distance, column));
            if column_distance == 0 {
                break;
            }
        }
    }
    best.map(|(_, column)| column.clone())
}

/// The characters of `text` in lower case.
fn lowercase(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().flat_map(char::to_lowercase)
}

/// Optimal string alignment distance (Levenshtein with swaps of neighbouring characters),
/// with its three rows of work space kept between calls.
#[derive(Default)]
struct EditDistance {
    two_rows_up: Vec<usize>,
    row_up: Vec<usize>,
    row: Vec<usize>,
}

impl EditDistance {
    /// The distance between `a` and `b` if it is at most `limit`.
    ///
    /// Only the band of cells within `limit` of the diagonal is computed (a path through a
    /// cell farther out costs more than `limit`), and the work stops as soon as two rows in a
    /// row exceed `limit`: O(`limit` × `a.len()`).
    fn at_most(&mut self, limit: usize, a: &[char], b: &[char]) -> Option<usize> {
        /// Stands for any distance over the limit; small enough that adding 1 cannot overflow.
        const FAR: usize = usize::MAX / 2;
        if a.len().abs_diff(b.len()) > limit {
            return None;
        }
        for row in [&mut self.two_rows_up, &mut self.row_up, &mut self.row] {
            row.clear();
            row.resize(b.len() + 1, FAR);
        }
        for (b_idx, cell) in self.row_up.iter_mut().enumerate().take(limit + 1) {
            *cell = b_idx;
        }
        let mut row_up_min = 0;
        for a_idx in 1..=a.len() {
            let first = a_idx.saturating_sub(limit).max(1);
            let last = (a_idx + limit).min(b.len());
            // The cells bordering the band, which the next rows read.
            self.row[first - 1] = if first == 1 { a_idx } else { FAR };
            if let Some(cell) = self.row.get_mut(last + 1) {
                *cell = FAR;
            }
            let mut row_min = self.row[first - 1];
            for b_idx in first..=last {
                let substitution = usize::from(a[a_idx - 1] != b[b_idx - 1]);
                let mut cost = (self.row_up[b_idx] + 1)
                    .min(self.row[b_idx - 1] + 1)
                    .min(self.row_up[b_idx - 1] + substitution);
                if a_idx > 1
                    && b_idx > 1
                    && a[a_idx - 1] == b[b_idx - 2]
                    && a[a_idx - 2] == b[b_idx - 1]
                {
                    cost = cost.min(self.two_rows_up[b_idx - 2] + 1);
                }
                self.row[b_idx] = cost;
                row_min = row_min.min(cost);
            }
            // Every later cell comes from these two rows plus 0 or more: none can get back
            // under the limit.
            if row_min > limit && row_up_min > limit {
                return None;
            }
            row_up_min = row_min;
            std::mem::swap(&mut self.two_rows_up, &mut self.row_up);
            std::mem::swap(&mut self.row_up, &mut self.row);
        }
        Some(self.row_up[b.len()]).filter(|&distance| distance <= limit)
    }
}

/// Displays a name quoted and escaped, cut to [`MAX_NAME_CHARS`] characters and followed by
/// its length when longer: `"species"`, `"nnn…nnn"… (10,485,760 bytes)`.
pub(crate) struct QuotedName<'a>(pub(crate) &'a str);

impl fmt::Display for QuotedName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match cut_name(self.0) {
            Some(start) => write!(f, "{start:?}{}", CutLength(self.0)),
            None => write!(f, "{:?}", self.0),
        }
    }
}

/// Displays a name as it is, cut like [`QuotedName`]: `species`, `nnn…nnn… (10,485,760 bytes)`.
pub(crate) struct ShortName<'a>(pub(crate) &'a str);

impl fmt::Display for ShortName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match cut_name(self.0) {
            Some(start) => write!(f, "{start}{}", CutLength(self.0)),
            None => f.write_str(self.0),
        }
    }
}

/// The first [`MAX_NAME_CHARS`] characters of `name`, when it has more.
fn cut_name(name: &str) -> Option<&str> {
    name.char_indices().nth(MAX_NAME_CHARS).map(|(cut, _)| &name[..cut])
}

/// Displays what follows a cut name: `… (10,485,760 bytes)`.
struct CutLength<'a>(&'a str);

impl fmt::Display for CutLength<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "… ({} bytes)", crate::human::thousands(self.0.len() as u64))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|&name| name.to_owned()).collect()
    }

    fn suggested_name(name: &str, available: &[&str]) -> Option<String> {
        match suggest_column(name, &names(available)) {
            Some(ColumnSuggestion::Name(found)) => Some(found),
            other => {
                assert_eq!(other, None);
                None
            }
        }
    }

    #[test]
    fn misread_header_suggests_its_delimiter() {
        let header = names(&["species;island;bill_length"]);
        assert_eq!(suggest_column("island", &header), Some(ColumnSuggestion::Delimiter(b';')));
        let header = names(&["species\tisland"]);
        let suggestion = suggest_column("species", &header).unwrap();
        assert_eq!(suggestion, ColumnSuggestion::Delimiter(b'\t'));
        assert_eq!(
            suggestion.to_string(),
            r"the file seems to use tabs between fields: try --delimiter '\t'"
        );
        // Read with `;`, a comma file has one column whose parts are the names.
        let header = names(&["a,b,species"]);
        assert_eq!(suggest_column("species", &header), Some(ColumnSuggestion::Delimiter(b',')));
        assert_eq!(suggest_column(" b ", &header), Some(ColumnSuggestion::Delimiter(b',')));
    }

    #[test]
    fn semicolons_or_tabs_in_the_header_suggest_them_even_without_the_name() {
        let header = names(&["a;b;c", "d;e"]);
        assert_eq!(suggest_column("species", &header), Some(ColumnSuggestion::Delimiter(b';')));
        let header = names(&["a\tb\tc;d"]);
        assert_eq!(suggest_column("x", &header), Some(ColumnSuggestion::Delimiter(b'\t')));
        // A comma or a pipe inside a name is no such sign.
        let header = names(&["weight (kg, dry)", "a|b"]);
        assert_eq!(suggest_column("height", &header), None);
    }

    #[test]
    fn same_name_in_another_case() {
        assert_eq!(suggested_name("species", &["x", "Species"]).as_deref(), Some("Species"));
        assert_eq!(suggested_name("ÉTÉ", &["x", "été"]).as_deref(), Some("été"));
        assert_eq!(suggested_name("Y", &["x", "y"]).as_deref(), Some("y"));
    }

    #[test]
    fn close_names_by_edit_distance() {
        // A swap of neighbours is one edit.
        assert_eq!(suggested_name("spieces", &["x", "species"]).as_deref(), Some("species"));
        assert_eq!(
            suggested_name("sepal length", &["sepal_length", "sepal_width"]).as_deref(),
            Some("sepal_length")
        );
        assert_eq!(
            suggested_name("Petal_Widht", &["petal_length", "petal_width"]).as_deref(),
            Some("petal_width")
        );
        // The closest wins, the first of equally close ones.
        assert_eq!(suggested_name("abcd", &["abxy", "abcx", "abcy"]).as_deref(), Some("abcx"));
        // Too far for the length: nothing.
        assert_eq!(suggested_name("mass", &["x", "body_mass_g"]), None);
        assert_eq!(suggested_name("cat", &["dog"]), None);
        // Two-character names are only matched ignoring case.
        assert_eq!(suggested_name("x1", &["x2"]), None);
        assert_eq!(suggested_name("anything", &[]), None);
    }

    #[test]
    fn edit_distance_values() {
        let chars = |text: &str| text.chars().collect::<Vec<_>>();
        let mut distance = EditDistance::default();
        for (a, b, expected) in [
            ("", "", 0),
            ("abc", "", 3),
            ("", "ab", 2),
            ("kitten", "sitting", 3),
            ("ca", "ac", 1),
            ("abcdef", "abdcef", 1),
            ("flaw", "lawn", 2),
        ] {
            let (a, b) = (chars(a), chars(b));
            assert_eq!(distance.at_most(10, &a, &b), Some(expected), "{a:?} {b:?}");
            assert_eq!(distance.at_most(10, &b, &a), Some(expected), "{b:?} {a:?}");
            assert_eq!(distance.at_most(expected, &a, &b), Some(expected), "{a:?} {b:?}");
            if expected > 0 {
                assert_eq!(distance.at_most(expected - 1, &a, &b), None, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn banded_distance_agrees_with_the_full_table() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut distance = EditDistance::default();
        let random_word = |rng: &mut ChaCha8Rng| -> Vec<char> {
            (0..rng.random_range(0..9)).map(|_| ['a', 'b', 'c'][rng.random_range(0..3)]).collect()
        };
        for _ in 0..5_000 {
            let (a, b) = (random_word(&mut rng), random_word(&mut rng));
            // A limit above both lengths computes every cell.
            let full = distance.at_most(20, &a, &b).unwrap();
            for limit in 0..6 {
                let expected = (full <= limit).then_some(full);
                assert_eq!(distance.at_most(limit, &a, &b), expected, "{a:?} {b:?} {limit}");
            }
        }
    }

    #[test]
    fn a_300000_column_header_answers_quickly() {
        let header: Vec<String> = (0..300_000).map(|idx| format!("pixel_{idx:06}")).collect();
        let start = Instant::now();
        let suggestion = suggest_column("pixel_29999x", &header);
        let case_only = suggest_column("PIXEL_299999", &header);
        let none = suggest_column("something_else_entirely", &header);
        let elapsed = start.elapsed();
        // One substitution away from pixel_299990 … pixel_299999: the first of them.
        assert_eq!(suggestion, Some(ColumnSuggestion::Name("pixel_299990".into())));
        assert_eq!(case_only, Some(ColumnSuggestion::Name("pixel_299999".into())));
        assert_eq!(none, None);
        // Milliseconds in a release build; a quadratic search would take minutes.
        assert!(elapsed.as_secs_f64() < 10.0, "{elapsed:?}");
    }

    #[test]
    fn long_names_are_cut_in_messages() {
        let long = "n".repeat(2000);
        let n_80 = "n".repeat(MAX_NAME_CHARS);
        assert_eq!(QuotedName(&long).to_string(), format!("\"{n_80}\"… (2,000 bytes)"));
        assert_eq!(ShortName(&long).to_string(), format!("{n_80}… (2,000 bytes)"));
        assert_eq!(QuotedName("a\"b").to_string(), r#""a\"b""#);
        assert_eq!(ShortName("a\"b").to_string(), "a\"b");
        // Exactly the limit is shown whole; characters are counted, not bytes.
        let limit = "é".repeat(MAX_NAME_CHARS);
        assert_eq!(ShortName(&limit).to_string(), limit);
        let over = "é".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(ShortName(&over).to_string(), format!("{limit}… (162 bytes)"));
        let suggestion = ColumnSuggestion::Name(long);
        assert_eq!(suggestion.to_string(), format!("did you mean \"{n_80}\"… (2,000 bytes)?"));
    }
}
