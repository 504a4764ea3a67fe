//! `docs/tutorial.md` embeds the output of `mlp explain --format markdown` on the tutorial's
//! network: the page and the program must agree, number for number.

use std::path::Path;

use crate::util::mlp_ok;

const BEGIN: &str = "<!-- BEGIN mlp explain: generated, do not edit -->\n";
const END: &str = "<!-- END mlp explain -->";

#[test]
fn the_tutorial_page_shows_what_explain_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let page = std::fs::read_to_string(root.join("docs/tutorial.md")).unwrap();
    let start = page.find(BEGIN).expect("the page has the generated block") + BEGIN.len();
    let end = start + page[start..].find(END).expect("the generated block ends");
    let printed = mlp_ok(
        &root,
        &[
            "explain",
            "--model",
            "datasets/seed/model.json",
            "datasets/seed/data.csv",
            "--format",
            "markdown",
        ],
    );
    assert!(printed.contains("0.43703857"), "W5's update is not in\n{printed}");
    assert_eq!(
        &page[start..end],
        printed,
        "docs/tutorial.md is out of date: paste the output of `mlp explain --model \
         datasets/seed/model.json datasets/seed/data.csv --format markdown` between its markers"
    );
}

/// The page's Rust snippet, as it stands there; the test below runs the same code.
const RUST_SNIPPET: &str = r#"use mlp_train::data::{CsvOptions, Table};
use mlp_train::explain::{explain, prepare_sample, SampleRequest};
use mlp_train::model_file::Model;

let model = Model::load("datasets/seed/model.json")?;
let table = Table::read("datasets/seed/data.csv", &CsvOptions::default())?;
let request = SampleRequest {
    sample: 1,
    data_name: "datasets/seed/data.csv".to_owned(),
    ..SampleRequest::default()
};
let sample = prepare_sample(&model, &table, &request)?;
let derivation = explain(&model.network, &sample.inputs, &sample.targets, &sample.options)?;
print!("{}", derivation.markdown()); // the block above, byte for byte
"#;

/// The page's "from Rust" snippet is the code below, and its Markdown is the page's block.
#[test]
fn the_tutorial_pages_rust_snippet_prints_the_block() -> Result<(), Box<dyn std::error::Error>> {
    use mlp_train::data::{CsvOptions, Table};
    use mlp_train::explain::{explain, prepare_sample, SampleRequest};
    use mlp_train::model_file::Model;

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let page = std::fs::read_to_string(root.join("docs/tutorial.md"))?;
    let snippet_start = page.find("```rust\n").expect("the page has a Rust snippet") + 8;
    let snippet_end = snippet_start + page[snippet_start..].find("```\n").unwrap();
    assert_eq!(&page[snippet_start..snippet_end], RUST_SNIPPET);

    let model = Model::load(root.join("datasets/seed/model.json"))?;
    let table = Table::read(root.join("datasets/seed/data.csv"), &CsvOptions::default())?;
    let request = SampleRequest {
        sample: 1,
        data_name: "datasets/seed/data.csv".to_owned(),
        ..SampleRequest::default()
    };
    let sample = prepare_sample(&model, &table, &request)?;
    let derivation = explain(&model.network, &sample.inputs, &sample.targets, &sample.options)?;
    let start = page.find(BEGIN).unwrap() + BEGIN.len();
    let end = start + page[start..].find(END).unwrap();
    assert_eq!(derivation.markdown(), &page[start..end]);
    Ok(())
}
