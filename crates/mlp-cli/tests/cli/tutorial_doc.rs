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
