//! Tests of [`Table`] reading the formats of `source`, `sniff` and `quote`, and of the
//! suggestions of an unknown column: what a user sees end to end in the library.

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::{ColumnSelection, ColumnSuggestion, CsvOptions, DataError, Table, Task};

fn read(text: &[u8]) -> Result<Table, DataError> {
    Table::from_reader(text, "t.csv", &CsvOptions::default())
}

fn cells(table: &Table) -> Vec<Vec<String>> {
    table.cell_texts()
}

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(text).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn delimiters_are_detected() {
    let table = read(b"species;bill\nadelie;39,1\ngentoo;47,5\n").unwrap();
    assert_eq!(table.column_names(), ["species", "bill"]);
    assert_eq!(cells(&table), [["adelie", "39,1"], ["gentoo", "47,5"]]);

    let table = read(b"a\tb\n1\t2\n").unwrap();
    assert_eq!(cells(&table), [["1", "2"]]);

    let table = read(b"a|b\n1|2\n").unwrap();
    assert_eq!(cells(&table), [["1", "2"]]);

    let table = read(b"note,x\n\"a;b\",1\n\"c;d\",2\n").unwrap();
    assert_eq!(cells(&table), [["a;b", "1"], ["c;d", "2"]]);

    let table = read(b"y\n1\n2\n").unwrap();
    assert_eq!(table.column_names(), ["y"]);
}

#[test]
fn an_explicit_delimiter_wins() {
    let options = CsvOptions { delimiter: Some(b','), ..CsvOptions::default() };
    let table = Table::from_reader(&b"a;b\n1;2\n"[..], "t.csv", &options).unwrap();
    assert_eq!(table.column_names(), ["a;b"]);
}

#[test]
fn gzip_files_are_read_whatever_their_name() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["data.csv.gz", "data.csv"] {
        let path = dir.path().join(name);
        std::fs::write(&path, gzip(b"x;y\n1;2\n3;4\n")).unwrap();
        let table = Table::read(&path, &CsvOptions::default()).unwrap();
        assert_eq!(table.path(), path);
        assert_eq!(cells(&table), [["1", "2"], ["3", "4"]]);
        assert_eq!((table.line(0), table.line(1)), (Some(2), Some(3)));
    }
}

#[test]
fn errors_in_gzip_files_name_the_file_and_the_line() {
    let err = Table::from_reader(&gzip(b"x,y\n1,2\n3\n")[..], "d.csv.gz", &CsvOptions::default())
        .unwrap_err();
    assert_eq!(err.to_string(), "d.csv.gz: line 3: expected 2 fields, found 1");

    let mut truncated = gzip(b"x,y\n1,2\n3,4\n5,6\n");
    truncated.truncate(truncated.len() - 10);
    let err = Table::from_reader(&truncated[..], "cut.csv.gz", &CsvOptions::default()).unwrap_err();
    assert!(
        matches!(&err, DataError::Io { path, .. } if path == Path::new("cut.csv.gz")),
        "{err:?}"
    );
}

#[test]
fn unterminated_quote_at_the_end_names_the_line_where_it_opened() {
    let err = read(b"x,label\n1,a\n2,\"b\n3,c\n4,d\n").unwrap_err();
    assert!(matches!(&err, DataError::UnterminatedQuote { line: 3, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        r#"t.csv: line 3: the quoted field that starts here is never closed (a '"' is missing)"#
    );
    // Also when the open field would have made the row ragged, after CRLF lines, in the header
    // and in a gzip file.
    let err = read(b"x,y,z\r\n1,2,3\r\n\r\n\"4,5,6\r\n").unwrap_err();
    assert!(matches!(&err, DataError::UnterminatedQuote { line: 4, .. }), "{err:?}");
    let err = read(b"\"x,y\n1,2\n").unwrap_err();
    assert!(matches!(&err, DataError::UnterminatedQuote { line: 1, .. }), "{err:?}");
    let err =
        Table::from_reader(&gzip(b"a;b\n1;\"2\n")[..], "q.gz", &CsvOptions::default()).unwrap_err();
    assert!(matches!(&err, DataError::UnterminatedQuote { line: 2, .. }), "{err:?}");
}

#[test]
fn closed_quotes_at_the_end_are_fine() {
    let table = read(b"x,label\n1,a\n2,\"multi\nline \"\"label\"\"\"").unwrap();
    assert_eq!(cells(&table), [["1", "a"], ["2", "multi\nline \"label\""]]);
    let table = read(b"x,label\n1,\"a\nb\"\n").unwrap();
    assert_eq!(cells(&table), [["1", "a\nb"]]);
    // A quote inside an unquoted field is text.
    let table = read(b"x,size\n1,12\"\n").unwrap();
    assert_eq!(cells(&table), [["1", "12\""]]);
}

#[test]
fn unknown_column_suggests_the_delimiter_or_a_close_name() {
    let options = CsvOptions { delimiter: Some(b','), ..CsvOptions::default() };
    let table =
        Table::from_reader(&b"species;island\nadelie;biscoe\n"[..], "p.csv", &options).unwrap();
    let err = table.select(&ColumnSelection::new(["species"]), Task::Auto).unwrap_err();
    assert!(
        matches!(
            &err,
            DataError::UnknownColumn { suggestion: Some(ColumnSuggestion::Delimiter(b';')), .. }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "p.csv: no column named \"species\" (the file seems to use ';' between fields: try \
         --delimiter ';'); the columns are \"species;island\""
    );

    let table = read(b"x,Species\n1,a\n").unwrap();
    let err = table.select(&ColumnSelection::new(["species"]), Task::Auto).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"t.csv: no column named "species" (did you mean "Species"?); the columns are "x", "Species""#
    );
    let err = table.select_features(&["y".to_owned()]).unwrap_err();
    assert!(matches!(&err, DataError::UnknownColumn { suggestion: None, .. }), "{err:?}");
}

#[test]
fn arbitrary_bytes_never_panic_with_detection_or_gzip() {
    let nasty: &[u8] =
        b"\xEF\xBB\xBF\"a\"\";\"|b\tc\r\n\"1\n2\";\xFF|\r\n;\n\"unterminated,3\n\x00;\"\"\"\n";
    let compressed = gzip(nasty);
    for has_header in [true, false] {
        let options = CsvOptions { has_header, ..CsvOptions::default() };
        for end in 0..=nasty.len() {
            if let Ok(table) = Table::from_reader(&nasty[..end], "fuzz.csv", &options) {
                let first = table.column_names()[0].clone();
                let _ = table.select(&ColumnSelection::new([first]), Task::Auto);
            }
            let _ = Table::from_reader(&gzip(&nasty[..end])[..], "fuzz.csv.gz", &options);
        }
        for end in 0..=compressed.len() {
            let _ = Table::from_reader(&compressed[..end], "cut.csv.gz", &options);
        }
    }
}
