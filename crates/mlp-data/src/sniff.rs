//! Detecting a file's field delimiter from its first lines.

use csv_core::ReadFieldResult;

/// The delimiters [`detect_delimiter`] chooses among, in order of preference on a tie.
pub const DELIMITER_CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Records (the header included) looked at by [`detect_delimiter`].
const MAX_SNIFFED_RECORDS: usize = 21;

/// The delimiter of a CSV text, detected from its header and first rows.
///
/// `head` is the start of the text; `head_is_everything` says whether it is the whole text
/// (otherwise its last, possibly cut, record is not used). Each of [`DELIMITER_CANDIDATES`]
/// (`,` `;` tab `|`) splits the first 21 records, quotes respected as the reader respects
/// them; the candidate giving every record the same number of fields, more than one, wins, the
/// one giving the most fields if several do, the earlier in that list on a tie. So a `;` file
/// with decimal commas is `;` (its header has no comma, its rows do), and a `,` inside quotes
/// does not count.
///
/// When no candidate is consistent (a ragged row among the first ones, or a header longer than
/// `head`), the candidate splitting the first record into the most fields wins, so that the
/// reader then reports the ragged row with the right delimiter. A text with one column, or an
/// empty one, gives `,`.
///
/// # Example
///
/// ```
/// use mlp_data::detect_delimiter;
///
/// assert_eq!(detect_delimiter(b"species;mass\nadelie;3750,5\ngentoo;5200\n", true), b';');
/// assert_eq!(detect_delimiter(b"name,note\nx,\"a;b\"\ny,c\n", true), b',');
/// assert_eq!(detect_delimiter(b"a\tb\n1\t2\n", true), b'\t');
/// assert_eq!(detect_delimiter(b"value\n1.5\n2.5\n", true), b',');
/// ```
pub fn detect_delimiter(head: &[u8], head_is_everything: bool) -> u8 {
    let splits =
        DELIMITER_CANDIDATES.map(|delimiter| Split::of(head, head_is_everything, delimiter));
    let mut best: Option<(u8, usize)> = None;
    for (&delimiter, split) in DELIMITER_CANDIDATES.iter().zip(&splits) {
        if let Some(n_fields) = split.consistent_field_count() {
            if n_fields > 1 && best.is_none_or(|(_, best_n_fields)| n_fields > best_n_fields) {
                best = Some((delimiter, n_fields));
            }
        }
    }
    if let Some((delimiter, _)) = best {
        return delimiter;
    }
    let mut fallback = (b',', 1);
    for (&delimiter, split) in DELIMITER_CANDIDATES.iter().zip(&splits) {
        if split.first_record_fields > fallback.1 {
            fallback = (delimiter, split.first_record_fields);
        }
    }
    fallback.0
}

/// How one candidate delimiter splits the first records.
struct Split {
    /// Fields of each complete record.
    record_fields: Vec<usize>,
    /// Fields of the first record, even if cut at the end of the head.
    first_record_fields: usize,
}

impl Split {
    fn of(head: &[u8], head_is_everything: bool, delimiter: u8) -> Split {
        let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        // Field contents are not needed; a small buffer is refilled as often as necessary.
        let mut field = [0_u8; 256];
        let mut input = head;
        let mut record_fields = Vec::new();
        let mut n_fields = 0;
        while record_fields.len() < MAX_SNIFFED_RECORDS {
            let (result, n_read, _) = reader.read_field(input, &mut field);
            input = &input[n_read..];
            match result {
                ReadFieldResult::OutputFull => {}
                ReadFieldResult::InputEmpty if head_is_everything => {}
                ReadFieldResult::InputEmpty | ReadFieldResult::End => break,
                ReadFieldResult::Field { record_end } => {
                    n_fields += 1;
                    if record_end {
                        record_fields.push(n_fields);
                        n_fields = 0;
                    }
                }
            }
        }
        let first_record_fields = record_fields.first().copied().unwrap_or(n_fields);
        Split { record_fields, first_record_fields }
    }

    /// The number of fields of every complete record, if they all have the same.
    fn consistent_field_count(&self) -> Option<usize> {
        let (&first, rest) = self.record_fields.split_first()?;
        rest.iter().all(|&n_fields| n_fields == first).then_some(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> char {
        char::from(detect_delimiter(text.as_bytes(), true))
    }

    #[test]
    fn comma_file() {
        assert_eq!(detect("x1,x2,species\n1.0,2.0,a\n1.5,2.5,b\n"), ',');
    }

    #[test]
    fn semicolon_file_with_decimal_commas() {
        let text =
            "bill_length;bill_depth;species\n39,1;18,7;Adelie\n39,5;17;Adelie\n40;18,0;Adelie\n";
        assert_eq!(detect(text), ';');
    }

    #[test]
    fn tab_file() {
        assert_eq!(detect("a\tb\tc\n1\t2\t3\n4\t5\t6\n"), '\t');
    }

    #[test]
    fn pipe_file() {
        assert_eq!(detect("a|b\n1|2\n3|4\n"), '|');
    }

    #[test]
    fn one_column_file_is_comma() {
        assert_eq!(detect("value\n1.5\n2.5\n"), ',');
        assert_eq!(detect(""), ',');
        assert_eq!(detect("\n\n"), ',');
    }

    #[test]
    fn quoted_field_containing_semicolons_does_not_count() {
        assert_eq!(detect("name,note\nx,\"a;b;c\"\ny,\"d\"\n"), ',');
        // Quoted delimiters and line breaks inside a `;` file.
        assert_eq!(detect("name;note\n\"x,y\";\"a\nb,c\"\nz;w\n"), ';');
    }

    #[test]
    fn crlf_bom_and_blank_lines() {
        assert_eq!(detect("\u{feff}a;b\r\n\r\n1;2\r\n3;4\r\n"), ';');
    }

    #[test]
    fn a_ragged_row_falls_back_to_the_widest_header() {
        assert_eq!(detect("a;b;c\n1;2;3\n4;5\n"), ';');
        assert_eq!(detect("a,b,c\n1,2,3\n4,5\n"), ',');
    }

    #[test]
    fn the_most_fields_win_among_consistent_candidates() {
        // Both `,` (2 fields) and `|` (3 fields) split every line the same way.
        assert_eq!(detect("a|b,c|d\n1|2,3|4\n"), '|');
        // A tie goes to the earlier candidate.
        assert_eq!(detect("a,b;c\n1,2;3\n"), ',');
    }

    #[test]
    fn a_cut_last_record_is_not_used() {
        let head = b"a;b\n1;2\n3;4\n5,5";
        assert_eq!(detect_delimiter(head, false), b';');
        // A header longer than the head: the fields seen so far decide.
        assert_eq!(detect_delimiter(b"c1\tc2\tc3\tc", false), b'\t');
    }

    #[test]
    fn only_the_first_records_are_read() {
        let mut text = String::from("a;b\n");
        for _ in 0..MAX_SNIFFED_RECORDS {
            text.push_str("1;2\n");
        }
        // A ragged row after the sniffed ones does not change the answer.
        text.push_str("1;2;3\n");
        assert_eq!(detect(&text), ';');
    }
}
