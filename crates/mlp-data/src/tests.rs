//! Scenario tests of the whole data path on the fixtures in `tests/fixtures/data/`: real-world
//! CSVs with missing values, categorical columns, index columns and integer-coded targets.
//! Expected numbers are worked out by hand in the comments.

use approx::assert_relative_eq;

use super::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/data");
const DATASETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets");

/// A fixture read under its file name alone, so that messages can be compared whole.
fn fixture(name: &str) -> Table {
    let bytes = std::fs::read(format!("{FIXTURES}/{name}")).unwrap();
    Table::from_reader(bytes.as_slice(), name, &CsvOptions::default()).unwrap()
}

fn dataset(name: &str) -> Table {
    Table::read(format!("{DATASETS}/{name}"), &CsvOptions::default()).unwrap()
}

fn text_table(text: &str, name: &str) -> Table {
    Table::from_reader(text.as_bytes(), name, &CsvOptions::default()).unwrap()
}

fn options(missing: MissingPolicy) -> TrainingOptions {
    TrainingOptions { missing, standardize: false, ..TrainingOptions::default() }
}

fn penguins() -> LabeledData {
    fixture("penguins_small.csv").select(&ColumnSelection::new(["species"]), Task::Auto).unwrap()
}

const HINT: &str = "use --missing drop to drop incomplete rows, --missing \
                    mean|median|most-frequent to fill features in, or --na-values to change what \
                    counts as missing";

#[test]
fn missing_values_are_an_error_by_default_counted_per_column() {
    let err = prepare_training_with::<f64>(&penguins(), &TrainingOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "penguins_small.csv: line 4, column 3 (bill_length_mm): expected a finite number, \
             found a missing value \"NA\"; missing cells: bill_length_mm 1 (line 4), body_mass_g \
             2 (lines 4, 6), sex 2 (lines 4, 9); {HINT}"
        )
    );
    assert_eq!((err.line(), err.column()), (Some(4), Some(3)));
    let DataError::MissingValues { columns, .. } = &err else { panic!("{err:?}") };
    let counts: Vec<(usize, usize)> = columns.iter().map(|c| (c.column.index, c.count)).collect();
    assert_eq!(counts, [(3, 1), (4, 2), (5, 2)]);
}

#[test]
fn drop_removes_incomplete_rows_with_a_notice_and_one_hot_encodes_words() {
    let prepared =
        prepare_training_with::<f64>(&penguins(), &options(MissingPolicy::Drop)).unwrap();
    // Rows 3, 5 and 8 (lines 4, 6, 9) have a missing cell.
    assert_eq!(prepared.notices, [DataNotice::RowsDropped { n_dropped: 3, n_rows: 12 }]);
    assert_eq!(prepared.train.len(), 9);
    assert_eq!(prepared.train.sample_numbers(), [1, 2, 4, 6, 7, 9, 10, 11, 12]);
    assert_eq!(prepared.split.train, [0, 1, 3, 5, 6, 8, 9, 10, 11]);
    let preprocessor = &prepared.preprocessor;
    assert_eq!(
        preprocessor.input_names(),
        [
            "island=Biscoe",
            "island=Dream",
            "island=Torgersen",
            "bill_length_mm",
            "body_mass_g",
            "sex=female",
            "sex=male"
        ]
    );
    assert_eq!(preprocessor.n_inputs(), 7);
    assert!(preprocessor.imputer().is_none());
    // First row: Torgersen, 39.1, 3750, male.
    assert_eq!(
        prepared.train.inputs().column(0).as_slice(),
        [0.0, 0.0, 1.0, 39.1, 3750.0, 0.0, 1.0]
    );
    // Fourth kept row (line 7): Dream, female.
    assert_eq!(
        prepared.train.inputs().column(3).as_slice(),
        [0.0, 1.0, 0.0, 46.5, 3500.0, 1.0, 0.0]
    );
}

#[test]
fn standardization_leaves_one_hot_inputs_zero_or_one() {
    let options = TrainingOptions { missing: MissingPolicy::Drop, ..TrainingOptions::default() };
    let prepared = prepare_training_with::<f64>(&penguins(), &options).unwrap();
    let standardizer = prepared.preprocessor.standardizer().unwrap();
    // bill_length_mm of the 9 kept rows sums to 407.7: mean 45.3.
    assert_relative_eq!(standardizer.mean()[3], 45.3, epsilon = 1e-12);
    for one_hot in [0, 1, 2, 5, 6] {
        assert_eq!((standardizer.mean()[one_hot], standardizer.std()[one_hot]), (0.0, 1.0));
        assert!(prepared.train.inputs().row(one_hot).iter().all(|&x| x == 0.0 || x == 1.0));
    }
    let bill = prepared.train.inputs().row(3);
    assert_relative_eq!(bill.sum() / 9.0, 0.0, epsilon = 1e-12);
}

#[test]
fn median_imputation_fills_numbers_and_categories_take_the_most_frequent() {
    let policy = MissingPolicy::Impute(ImputeStrategy::Median);
    let prepared = prepare_training_with::<f64>(&penguins(), &options(policy)).unwrap();
    // bill_length_mm: the 11 known values sorted are 37.8 39.1 39.5 39.5 46.1 [46.5] 48.7 50 50
    // 50 51.3; body_mass_g: 10 known values, the middle two are 3800 and 3900; sex: 5 male and
    // 5 female, a tie, so the smaller "female"; island: Biscoe 5, Dream 4, Torgersen 3.
    let imputer = prepared.preprocessor.imputer().unwrap();
    assert_eq!(
        imputer.values(),
        [
            FillValue::Category("Biscoe".to_owned()),
            FillValue::Number(46.5),
            FillValue::Number(3850.0),
            FillValue::Category("female".to_owned()),
        ]
    );
    assert_eq!(prepared.notices, [DataNotice::ValuesImputed { n_cells: 5, strategy: "median" }]);
    // Line 4 is NA but for its island (Torgersen): the medians and "female" fill it.
    assert_eq!(
        prepared.train.inputs().column(2).as_slice(),
        [0.0, 0.0, 1.0, 46.5, 3850.0, 1.0, 0.0]
    );
    assert_eq!(prepared.train.len(), 12);
}

#[test]
fn imputation_statistics_come_from_the_training_rows_only() {
    let options = TrainingOptions {
        split: SplitOptions { validation_fraction: 0.34, seed: 3 },
        ..options(MissingPolicy::Impute(ImputeStrategy::Mean))
    };
    let prepared = prepare_training_with::<f64>(&penguins(), &options).unwrap();
    // bill_length_mm by data row (row 2 is missing).
    let bill = [39.1, 39.5, f64::NAN, 37.8, 39.5, 46.5, 50.0, 51.3, 46.1, 50.0, 48.7, 50.0];
    let known: Vec<f64> =
        prepared.split.train.iter().map(|&j| bill[j]).filter(|v| !v.is_nan()).collect();
    let all_known_mean = 498.5 / 11.0;
    let train_mean = known.iter().sum::<f64>() / known.len() as f64;
    assert!((train_mean - all_known_mean).abs() > 1e-6, "the split must change the mean");
    let FillValue::Number(fill) = prepared.preprocessor.imputer().unwrap().values()[1] else {
        panic!("expected a number")
    };
    assert_relative_eq!(fill, train_mean, epsilon = 1e-12);
}

#[test]
fn another_file_in_any_column_order_gives_the_same_inputs() {
    let prepared =
        prepare_training_with::<f64>(&penguins(), &options(MissingPolicy::Drop)).unwrap();
    let preprocessor = &prepared.preprocessor;
    // Row 1 of the training file, columns shuffled, an extra column, no target.
    let new = text_table(
        "sex,extra,body_mass_g,island,bill_length_mm\nmale,zz,3750,Torgersen,39.1\n",
        "new.csv",
    );
    let inputs = preprocessor.inputs::<f64>(&new).unwrap();
    assert_eq!(inputs.column(0), prepared.train.inputs().column(0));
    let file = preprocessor.prepare_file::<f64>(&new).unwrap();
    assert!(file.targets.is_none());
    assert_eq!(file.inputs, inputs);
    assert_eq!(file.sample_numbers, [1]);

    // With the target: a dataset, classes one-hot.
    let labeled = text_table(
        "species,island,bill_length_mm,body_mass_g,sex\nGentoo,Dream,50,5000,female\n",
        "test.csv",
    );
    let test = preprocessor.dataset::<f64>(&labeled).unwrap();
    assert_eq!(test.targets().as_slice(), [0.0, 0.0, 1.0]);
    assert_eq!(preprocessor.prepare_file::<f64>(&labeled).unwrap().targets.unwrap().ncols(), 1);
}

#[test]
fn an_unknown_category_is_an_error_unless_ignored() {
    let prepared =
        prepare_training_with::<f64>(&penguins(), &options(MissingPolicy::Drop)).unwrap();
    let new = text_table(
        "island,bill_length_mm,body_mass_g,sex\nDream,40,3000,male\nMars,40,3000,male\n",
        "new.csv",
    );
    let err = prepared.preprocessor.inputs::<f64>(&new).unwrap_err();
    assert_eq!(
        err.to_string(),
        "new.csv: line 3, column 1 (island): unknown category \"Mars\"; the training data's \
         categories are \"Biscoe\", \"Dream\", \"Torgersen\"; use --unknown-category ignore to \
         encode unknown categories as all zeros"
    );
    let ignoring = prepared.preprocessor.clone().with_unknown_category(UnknownCategory::Ignore);
    let inputs = ignoring.inputs::<f64>(&new).unwrap();
    assert_eq!(inputs.column(1).as_slice(), [0.0, 0.0, 0.0, 40.0, 3000.0, 0.0, 1.0]);
    assert_eq!(inputs.column(0).as_slice(), [0.0, 1.0, 0.0, 40.0, 3000.0, 0.0, 1.0]);

    // Set at training, it is saved.
    let options = TrainingOptions {
        unknown_category: UnknownCategory::Ignore,
        ..options(MissingPolicy::Drop)
    };
    let prepared = prepare_training_with::<f64>(&penguins(), &options).unwrap();
    assert_eq!(prepared.preprocessor.unknown_category(), UnknownCategory::Ignore);
    assert!(prepared.preprocessor.inputs::<f64>(&new).is_ok());
}

#[test]
fn a_preprocessor_without_imputer_names_rows_with_missing_features() {
    let prepared =
        prepare_training_with::<f64>(&penguins(), &options(MissingPolicy::Drop)).unwrap();
    let new = text_table(
        "island,bill_length_mm,body_mass_g,sex\nDream,40,3000,male\nDream,NA,3000,\n",
        "new.csv",
    );
    let err = prepared.preprocessor.inputs::<f64>(&new).unwrap_err();
    assert_eq!(
        err.to_string(),
        "new.csv: line 3, column 2 (bill_length_mm): expected a finite number, found a missing \
         value \"NA\"; missing cells: bill_length_mm 1 (line 3), sex 1 (line 3); the model has no \
         imputer (it was trained with --missing drop), so every row needs all its feature values"
    );
    // With an imputer the same file is filled in.
    let policy = MissingPolicy::Impute(ImputeStrategy::Median);
    let imputing = prepare_training_with::<f64>(&penguins(), &options(policy)).unwrap();
    let inputs = imputing.preprocessor.inputs::<f64>(&new).unwrap();
    assert_eq!(inputs.column(1).as_slice(), [0.0, 1.0, 0.0, 46.5, 3000.0, 1.0, 0.0]);
}

#[test]
fn too_many_categories_suggest_drop_and_drop_works() {
    let table = fixture("penguins_small.csv");
    let selection = ColumnSelection::new(["species"]).with_max_categories(2);
    let err = table.select(&selection, Task::Auto).unwrap_err();
    assert_eq!(
        err.to_string(),
        "penguins_small.csv: column 2 (island): 3 categories, more than the 2 allowed; drop the \
         column with --drop \"island\" or raise --max-categories"
    );
    let data = table.select(&selection.with_drop(["island", "sex"]), Task::Auto).unwrap();
    assert_eq!(data.features().names(), ["bill_length_mm", "body_mass_g"]);

    let err = table
        .select(&ColumnSelection::new(["species"]).with_drop(["species"]), Task::Auto)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "penguins_small.csv: column \"species\" is both selected and dropped"
    );
    let err = table
        .select(&ColumnSelection::new(["species"]).with_drop(["colour"]), Task::Auto)
        .unwrap_err();
    assert!(matches!(&err, DataError::UnknownColumn { name, .. } if name == "colour"), "{err:?}");
}

#[test]
fn index_columns_are_excluded_with_a_notice_unless_named() {
    let table = fixture("pandas_index.csv");
    let data = table.select(&ColumnSelection::new(["y"]), Task::Auto).unwrap();
    assert_eq!(data.features().names(), ["x1", "x2"]);
    assert_eq!(
        data.notices(),
        [DataNotice::IndexColumnExcluded { column: ColumnRef { index: 1, name: String::new() } }]
    );
    assert_eq!(
        data.notices()[0].to_string(),
        "column 1 (no name) looks like a row index and is not used as a feature; name it in \
         --features to use it"
    );
    let prepared = prepare_training::<f64>(&data, &PrepareOptions::default()).unwrap();
    assert_eq!(prepared.notices, data.notices());

    let explicit = ColumnSelection::new(["y"]).with_features(["", "x1"]);
    let data = table.select(&explicit, Task::Auto).unwrap();
    assert_eq!(data.features().names(), ["", "x1"]);
    assert!(data.notices().is_empty());

    let data = fixture("r_index.csv").select(&ColumnSelection::new(["y"]), Task::Auto).unwrap();
    assert_eq!(data.features().names(), ["x1"]);
    assert_eq!(data.notices()[0].kind(), "index-column-excluded");
}

#[test]
fn a_question_mark_in_a_numeric_target_is_missing_not_a_class() {
    let data =
        fixture("question_target.csv").select(&ColumnSelection::new(["y"]), Task::Auto).unwrap();
    assert!(matches!(data.targets(), Targets::Numeric(_)));
    let err = prepare_training_with::<f64>(&data, &TrainingOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "question_target.csv: line 4, column 2 (y): expected a finite number, found a \
             missing value \"?\"; missing cells: y 1 (line 4); a row without a target is never \
             trained on: use --missing drop to leave such rows out, or --na-values to change \
             what counts as missing"
        )
    );
    // Imputing features never imputes the target: its row is dropped, with a notice.
    let policy = MissingPolicy::Impute(ImputeStrategy::Mean);
    let prepared = prepare_training_with::<f64>(&data, &options(policy)).unwrap();
    assert_eq!(prepared.train.targets().as_slice(), [10.5, 12.0, 15.25, 17.0]);
    assert_eq!(prepared.train.sample_numbers(), [1, 2, 4, 5]);
    assert_eq!(
        prepared.notices,
        [DataNotice::MissingTargetsDropped {
            column: ColumnRef { index: 2, name: "y".to_owned() },
            n_dropped: 1
        }]
    );
    assert_eq!(
        prepared.notices[0].to_string(),
        "dropped 1 row whose target column 2 (y) is missing"
    );
    // The evaluation of a file with a missing target is an error naming it.
    let err = prepared.preprocessor.dataset::<f64>(&fixture("question_target.csv")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "question_target.csv: line 4, column 2 (y): expected a finite number, found a missing \
         value \"?\"; missing cells: y 1 (line 4); rows without a target cannot be evaluated"
    );
}

#[test]
fn a_numeric_column_with_a_few_words_lists_their_lines() {
    let text = "a,y\n1,0.5\n2,0.1\nabc,0.2\n4,0.3\n-,0.4\n6,0.5\n";
    let err =
        text_table(text, "t.csv").select(&ColumnSelection::new(["y"]), Task::Auto).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv: line 4, column 1 (a): expected a number, found \"abc\"; 1 more such cell (line 6)"
    );
    // A target likewise: never classes.
    let text = "x,y\n1,1.5\n2,2.5\n3,oops\n4,4.5\n";
    let err =
        text_table(text, "t.csv").select(&ColumnSelection::new(["y"]), Task::Auto).unwrap_err();
    assert_eq!(err.to_string(), "t.csv: line 4, column 2 (y): expected a number, found \"oops\"");
    // Unless the words are declared missing-value markers.
    let selection = ColumnSelection::new(["y"]).with_na_values(["oops"]);
    let data = text_table(text, "t.csv").select(&selection, Task::Auto).unwrap();
    assert!(data.targets().is_missing(2));
}

#[test]
fn a_column_of_mostly_words_is_categorical_and_its_numbers_are_categories() {
    let text = "colour,y\nred,0.5\nblue,1.5\n3,2.5\nred,3.5\n";
    let data = text_table(text, "t.csv").select(&ColumnSelection::new(["y"]), Task::Auto).unwrap();
    let prepared = prepare_training_with::<f64>(&data, &options(MissingPolicy::Error)).unwrap();
    assert_eq!(prepared.preprocessor.input_names(), ["colour=3", "colour=blue", "colour=red"]);
    #[rustfmt::skip]
    let expected = [
        0.0, 0.0, 1.0,
        0.0, 1.0, 0.0,
        1.0, 0.0, 0.0,
        0.0, 0.0, 1.0,
    ];
    assert_eq!(prepared.train.inputs().as_slice(), expected);
}

#[test]
fn integer_codes_with_enough_rows_are_classes_with_a_notice() {
    let table = fixture("integer_target.csv");
    let data = table.select(&ColumnSelection::new(["grade"]), Task::Auto).unwrap();
    let Targets::Labels(labels) = data.targets() else { panic!("expected classes") };
    assert_eq!(ClassEncoding::fit(labels).unwrap().class_names(), ["1", "2", "3"]);
    let column = ColumnRef { index: 3, name: "grade".to_owned() };
    assert_eq!(data.notices(), [DataNotice::ClassesFromIntegers { column, n_classes: 3 }]);
    assert_eq!(
        data.notices()[0].to_string(),
        "target column 3 (grade) holds 3 integer values, read as classes (classification); use \
         --task regression to fit them as numbers"
    );
    let data = table.select(&ColumnSelection::new(["grade"]), Task::Regression).unwrap();
    assert!(matches!(data.targets(), Targets::Numeric(_)));
    assert!(data.notices().is_empty());
}

#[test]
fn the_shipped_datasets_get_the_right_task_with_no_flag() {
    // wine: classes 1, 2, 3 in 178 rows.
    let data = dataset("wine.csv").select(&ColumnSelection::new(["class"]), Task::Auto).unwrap();
    assert_eq!(data.task(), Task::Classification);
    assert_eq!(data.notices()[0].kind(), "classes-from-integers");
    // diabetes: 214 distinct integers in 442 rows.
    let data =
        dataset("diabetes.csv").select(&ColumnSelection::new(["progression"]), Task::Auto).unwrap();
    assert_eq!(data.task(), Task::Regression);
    // XOR: 0/1 in 4 rows is 2 rows per value, under the 5 needed: a regression.
    let data = dataset("xor.csv").select(&ColumnSelection::new(["y"]), Task::Auto).unwrap();
    assert_eq!(data.task(), Task::Regression);
    assert!(data.notices().is_empty());
    // iris: words.
    let data = dataset("iris.csv").select(&ColumnSelection::new(["species"]), Task::Auto).unwrap();
    assert_eq!(data.task(), Task::Classification);
    assert!(data.notices().is_empty());
}

#[test]
fn penguins_dataset_trains_after_dropping_incomplete_rows() {
    let data =
        dataset("penguins.csv").select(&ColumnSelection::new(["species"]), Task::Auto).unwrap();
    let err = prepare_training_with::<f64>(&data, &TrainingOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains(
            "missing cells: bill_length_mm 2 (lines 5, 273), bill_depth_mm 2 (lines 5, 273), \
             flipper_length_mm 2 (lines 5, 273), body_mass_g 2 (lines 5, 273), sex 11 (lines 5, \
             10, 11, 12, 13, …)"
        ),
        "{err}"
    );
    let options = TrainingOptions {
        missing: MissingPolicy::Drop,
        split: SplitOptions { validation_fraction: 0.2, seed: 0 },
        ..TrainingOptions::default()
    };
    let prepared = prepare_training_with::<f64>(&data, &options).unwrap();
    assert_eq!(prepared.notices, [DataNotice::RowsDropped { n_dropped: 11, n_rows: 344 }]);
    // 3 islands + 4 measurements + 2 sexes + year.
    assert_eq!(prepared.preprocessor.n_inputs(), 10);
    assert_eq!(prepared.train.len() + prepared.validation.unwrap().len(), 333);
}

#[test]
fn standardized_targets_map_back_to_their_units() {
    let data =
        fixture("question_target.csv").select(&ColumnSelection::new(["y"]), Task::Auto).unwrap();
    let options = TrainingOptions { standardize_target: true, ..options(MissingPolicy::Drop) };
    let prepared = prepare_training_with::<f64>(&data, &options).unwrap();
    // 10.5, 12, 15.25, 17: mean 13.6875, population variance 26.421875 / 4.
    let scaler = prepared.preprocessor.target_scaler().unwrap();
    assert_relative_eq!(scaler.mean()[0], 13.6875, epsilon = 1e-12);
    assert_relative_eq!(scaler.std()[0], (26.421875_f64 / 4.0).sqrt(), epsilon = 1e-12);
    let mut outputs = prepared.train.targets().clone();
    assert_relative_eq!(outputs.sum(), 0.0, epsilon = 1e-12);
    prepared.preprocessor.unscale_outputs(&mut outputs).unwrap();
    assert_relative_eq!(
        outputs,
        nalgebra::DMatrix::from_row_slice(1, 4, &[10.5, 12.0, 15.25, 17.0]),
        epsilon = 1e-12
    );
    // Another file's targets come out in the same (standardized) units.
    let test = prepared.preprocessor.dataset::<f64>(&text_table("x,y\n9,13.6875\n", "t.csv"));
    assert_relative_eq!(test.unwrap().targets()[(0, 0)], 0.0, epsilon = 1e-12);
    // Classification ignores the option.
    let prepared = prepare_training_with::<f64>(&penguins(), &options).unwrap();
    assert!(prepared.preprocessor.target_scaler().is_none());
}

#[test]
fn serialized_form_names_every_part_and_refuses_unknown_keys() {
    let policy = MissingPolicy::Impute(ImputeStrategy::Median);
    let options = TrainingOptions { unknown_category: UnknownCategory::Ignore, ..options(policy) };
    let data = fixture("penguins_small.csv")
        .select(&ColumnSelection::new(["species"]).with_na_values(["NA", "-"]), Task::Auto)
        .unwrap();
    let preprocessor = prepare_training_with::<f64>(&data, &options).unwrap().preprocessor;
    let json = serde_json::to_string(&preprocessor).unwrap();
    assert_eq!(
        json,
        r#"{"inputs":{"names":["island","bill_length_mm","body_mass_g","sex"],"standardizer":null,"categories":{"island":["Biscoe","Dream","Torgersen"],"sex":["female","male"]},"unknown_category":"ignore","na_values":["NA","-"],"imputer":{"strategy":"median","values":["Biscoe",46.5,3850.0,"female"]}},"outputs":{"names":["species"],"classes":["Adelie","Chinstrap","Gentoo"]}}"#
    );
    assert_eq!(serde_json::from_str::<Preprocessor>(&json).unwrap(), preprocessor);
    let err = serde_json::from_str::<Preprocessor>(&json.replace("\"imputer\"", "\"imputr\""))
        .unwrap_err();
    assert!(err.to_string().contains("unknown field `imputr`"), "{err}");
}

#[test]
fn preprocessor_new_builds_from_parts_and_checks_them() {
    let parts = PreprocessorParts {
        feature_names: vec!["colour".into(), "size".into()],
        target_names: vec!["y".into()],
        categories: [("colour".to_owned(), vec!["red".to_owned(), "blue".to_owned()])].into(),
        imputer: Some(Imputer::new(
            ImputeStrategy::Mean,
            vec![FillValue::Category("red".into()), FillValue::Number(2.0)],
        )),
        ..PreprocessorParts::default()
    };
    let preprocessor = Preprocessor::new(parts.clone()).unwrap();
    // Categories are sorted.
    assert_eq!(preprocessor.categories(0), Some(&["blue".to_owned(), "red".to_owned()][..]));
    assert_eq!(preprocessor.categories(1), None);
    assert_eq!(preprocessor.input_names(), ["colour=blue", "colour=red", "size"]);
    assert_eq!(preprocessor.task(), Task::Regression);
    assert_eq!(preprocessor.na_values(), DEFAULT_NA_VALUES);

    let invalid = |parts: PreprocessorParts| Preprocessor::new(parts).unwrap_err().to_string();
    assert_eq!(
        invalid(PreprocessorParts {
            standardizer: Some(Standardizer::fit(&nalgebra::DMatrix::zeros(2, 1))),
            ..parts.clone()
        }),
        "invalid preprocessor: the standardizer has 2 entries for 3 inputs"
    );
    let wrong_fill =
        Imputer::new(ImputeStrategy::Mean, vec![FillValue::Number(1.0), FillValue::Number(2.0)]);
    assert_eq!(
        invalid(PreprocessorParts { imputer: Some(wrong_fill), ..parts.clone() }),
        "invalid preprocessor: the imputer's value for \"colour\" does not fit it"
    );
    let mut unknown = parts.clone();
    unknown.categories.insert("shape".into(), vec!["round".into()]);
    assert_eq!(
        invalid(unknown),
        "invalid preprocessor: categories for \"shape\", which is not a feature column"
    );
    assert_eq!(
        invalid(PreprocessorParts { feature_names: vec![], ..PreprocessorParts::default() }),
        "invalid preprocessor: no feature column"
    );
}

#[test]
fn clean_files_keep_their_split_and_standardizer_bit_for_bit() {
    // Printed by the code before issue 9 (typed columns, missing values, categories) with the
    // same calls: the preprocessor's JSON, the validation rows, the first and last training
    // inputs, `{:?}` of f64 being exact.
    let pinned = include_str!("../tests/fixtures/data/clean_files_before_issue_9.txt");
    let mut printed = String::new();
    for (file, target, fraction, seed) in [
        ("iris.csv", "species", 0.2, 1_u64),
        ("diabetes.csv", "progression", 0.2, 3),
        ("wine.csv", "class", 0.25, 5),
    ] {
        let task = if file == "wine.csv" { Task::Classification } else { Task::Auto };
        let data = dataset(file).select(&ColumnSelection::new([target]), task).unwrap();
        let options = PrepareOptions {
            split: SplitOptions { validation_fraction: fraction, seed },
            standardize: true,
        };
        let prepared = prepare_training::<f64>(&data, &options).unwrap();
        // The preprocessor's serialized form of then (its parts, before the model file's
        // `inputs`/`outputs` became its one schema), from the same numbers.
        let parts = prepared.preprocessor.parts();
        let mut then = serde_json::Map::new();
        then.insert("feature_names".into(), serde_json::json!(parts.feature_names));
        then.insert("target_names".into(), serde_json::json!(parts.target_names));
        if let Some(encoding) = &parts.class_encoding {
            then.insert("class_encoding".into(), serde_json::json!(encoding));
        }
        if let Some(standardizer) = &parts.standardizer {
            then.insert("standardizer".into(), serde_json::json!(standardizer));
        }
        let json = serde_json::Value::Object(then).to_string();
        let inputs = prepared.train.inputs();
        printed += &format!("PIN {file} {json}\n");
        printed += &format!("PIN {file} validation {:?}\n", prepared.split.validation);
        printed += &format!(
            "PIN {file} train_inputs_first {:?} last {:?}\n",
            inputs.column(0).as_slice(),
            inputs.column(prepared.train.len() - 1).as_slice()
        );
    }
    assert_eq!(printed, pinned);
}

#[test]
fn arbitrary_bytes_never_panic_through_every_policy() {
    let nasty: &[u8] = b",a,b\r\n\"1\",NA,x\r\n?,\"\",2\n3,\xFF,\n\"unterminated,3\nnan,-1e999,0\n";
    let policies = [
        MissingPolicy::Error,
        MissingPolicy::Drop,
        MissingPolicy::Impute(ImputeStrategy::Mean),
        MissingPolicy::Impute(ImputeStrategy::MostFrequent),
    ];
    for end in 0..=nasty.len() {
        let Ok(table) = Table::from_reader(&nasty[..end], "fuzz.csv", &CsvOptions::default())
        else {
            continue;
        };
        for target in table.column_names().to_vec() {
            for task in [Task::Auto, Task::Classification, Task::Regression] {
                let Ok(data) = table.select(&ColumnSelection::new([target.clone()]), task) else {
                    continue;
                };
                for missing in policies {
                    let options = TrainingOptions { missing, ..TrainingOptions::default() };
                    if let Ok(prepared) = prepare_training_with::<f64>(&data, &options) {
                        let _ = prepared.preprocessor.inputs::<f64>(&table);
                        let _ = prepared.preprocessor.dataset::<f64>(&table);
                    }
                }
            }
        }
    }
}

#[test]
fn a_training_file_for_an_existing_preprocessor_is_split_the_same_way() {
    let table = fixture("integer_target.csv");
    let data = table.select(&ColumnSelection::new(["grade"]), Task::Auto).unwrap();
    let split = SplitOptions { validation_fraction: 0.2, seed: 4 };
    let options = TrainingOptions { split, ..TrainingOptions::default() };
    let prepared = prepare_training_with::<f64>(&data, &options).unwrap();
    // The same file through the fitted preprocessor (`--init`): same split, same numbers.
    let again = prepared.preprocessor.prepare_training_file::<f64>(&table, &split).unwrap();
    assert_eq!(again.split, prepared.split);
    assert_eq!(again.train.inputs(), prepared.train.inputs());
    assert_eq!(again.train.targets(), prepared.train.targets());
    assert_eq!(again.validation.unwrap().inputs(), prepared.validation.unwrap().inputs());
    // Another standardizer (a model's) must fit the inputs.
    let wrong = Standardizer::fit(&nalgebra::DMatrix::zeros(3, 1));
    let err = prepared.preprocessor.clone().with_standardizer(Some(wrong)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid preprocessor: the standardizer has 3 entries for 2 inputs"
    );
    let plain = prepared.preprocessor.with_standardizer(None).unwrap();
    let inputs = plain.inputs::<f64>(&table).unwrap();
    assert_eq!(inputs.column(0).as_slice(), [0.1, 1.0]);
}

/// A text column with a different value on every one of 12 rows (a name) is one-hot encoded
/// into 12 inputs that each fit one row: a notice says so and names --drop; a column that
/// repeats a value, or a file of fewer rows, gets none.
#[test]
fn a_text_column_unique_on_every_row_is_named_identifier_like() {
    let mut csv = String::from("name,kind,x,y\n");
    for row in 0..12 {
        csv += &format!("penguin {row},{},{row}.5,{}\n", ["a", "b"][row % 2], row % 3);
    }
    let table = Table::from_reader(csv.as_bytes(), "named.csv", &CsvOptions::default()).unwrap();
    let data = table.select(&ColumnSelection::new(["y"]), Task::Regression).unwrap();
    let identifiers: Vec<&DataNotice> =
        data.notices().iter().filter(|notice| notice.kind() == "identifier-like-column").collect();
    assert_eq!(identifiers.len(), 1, "{:?}", data.notices());
    assert_eq!(
        identifiers[0].to_string(),
        "column 1 (name) has a different value on each of its 12 rows, so each of its one-hot \
         inputs fits one row: if it is a name or an id, leave it out with --drop \"name\""
    );
    let short: String =
        csv.lines().take(MIN_ROWS_FOR_IDENTIFIER).map(|line| format!("{line}\n")).collect();
    let table = Table::from_reader(short.as_bytes(), "short.csv", &CsvOptions::default()).unwrap();
    let data = table.select(&ColumnSelection::new(["y"]), Task::Regression).unwrap();
    assert!(data.notices().iter().all(|notice| notice.kind() != "identifier-like-column"));
}
