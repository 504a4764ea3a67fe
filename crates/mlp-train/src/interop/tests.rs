//! Tests of the safetensors export and import: bit-for-bit round trips of models with every
//! part of the preparation, the tensors' layout, and a typed error for each kind of bad file.

use super::*;

/// The tutorial's 2-2-2 network (`datasets/seed/model.json`), no biases.
const SEED: &str = include_str!("../../../../datasets/seed/model.json");

/// A classifier with a categorical column, an imputer, other missing-value markers, the
/// ignore policy for unknown categories, a leaky ReLU with its slope, class names and
/// provenance; weights that need all 17 digits.
const CLASSIFIER: &str = r#"{"format": "mlp-model", "version": 2, "loss": "cross-entropy",
  "layers": [
    {"activation": "leaky-relu", "slope": 0.2,
     "weights": [[0.1, -0.30000000000000004, 2.5e-300], [1e300, 0.7, -0.123456789012345678]],
     "bias": [0.1, -0.2]},
    {"activation": "softmax", "weights": [[0.5, -0.5], [-0.25, 0.25], [1.0, 3.0]], "bias": null}],
  "inputs": {"names": ["island", "mass"],
             "standardizer": {"mean": [0, 0, 4200.5], "std": [1, 1, 801.25]},
             "categories": {"island": ["Biscoe", "Dream"]},
             "unknown_category": "ignore",
             "na_values": ["-", "missing"],
             "imputer": {"strategy": "median", "values": ["Dream", 4050.0]}},
  "outputs": {"names": ["species"], "classes": ["Adelie", "Chinstrap", "Gentoo"]},
  "provenance": {"mlp_version": "0.1.0", "command_line": ["mlp", "train", "p.csv"],
    "data": {"name": "p.csv", "sha256": null},
    "settings": {"task": "classification", "optimizer": {"name": "sgd"}, "learning_rate": 0.1,
      "l2": 0.0, "batch_size": 32, "epochs_requested": 3, "epochs_run": 3, "best_epoch": 3,
      "stopped_early": false, "patience": null, "seed": 42, "precision": "f64",
      "validation_fraction": 0.2, "test_data": null, "standardize": true},
    "metrics": {"train": {"samples": 10, "loss": 0.30000000000000004, "accuracy": 0.9},
      "validation": null, "test": null}}}"#;

/// A regression model with a target scaler, two targets and a tanh layer.
const REGRESSION: &str = r#"{"format": "mlp-model", "version": 2, "loss": "mse",
  "layers": [
    {"activation": "tanh", "weights": [[0.5, -1.5], [0.1, 0.2], [-0.3, 0.4]], "bias": [0.3, 0, -1e-17]},
    {"activation": "identity", "weights": [[1, 2, 3], [-4, 5.5, 6.25]], "bias": [0.5, -0.5]}],
  "inputs": {"names": ["a", "b"], "standardizer": {"mean": [1.5, -2], "std": [0.5, 3]}},
  "outputs": {"names": ["y", "z"], "classes": null,
              "scaler": {"mean": [200.9, -3], "std": [14.06, 0.001]}}}"#;

fn model(text: &str) -> Model {
    Model::from_file_contents(text, Path::new("model.json")).unwrap()
}

fn path() -> &'static Path {
    Path::new("m.safetensors")
}

#[test]
fn models_round_trip_bit_for_bit() {
    for text in [SEED, CLASSIFIER, REGRESSION] {
        let original = model(text);
        let bytes = to_safetensors(&original).unwrap();
        let back = from_safetensors(&bytes, path()).unwrap();
        assert_eq!(back.to_json(), original.to_json());
        assert_eq!(back, original);
        // One model, one file: the metadata's keys are sorted, whatever the hash map's order.
        assert_eq!(to_safetensors(&back).unwrap(), bytes);
    }
}

/// The tensors PyTorch reads: `layers.{i}.weight` F64 [out, in] row-major, `layers.{i}.bias`
/// F64 [out] only for layers with a bias; the readable metadata keys.
#[test]
fn the_file_holds_f64_out_by_in_tensors_and_readable_metadata() {
    let bytes = to_safetensors(&model(CLASSIFIER)).unwrap();
    let tensors = SafeTensors::deserialize(&bytes).unwrap();
    let mut names = tensors.names();
    names.sort_unstable();
    assert_eq!(names, ["layers.0.bias", "layers.0.weight", "layers.1.weight"]);
    let weight = tensors.tensor("layers.1.weight").unwrap();
    assert_eq!(weight.dtype(), Dtype::F64);
    assert_eq!(weight.shape(), [3, 2]);
    assert_eq!(f64_values(&weight), [0.5, -0.5, -0.25, 0.25, 1.0, 3.0]);
    let first = f64_values(&tensors.tensor("layers.0.weight").unwrap());
    assert_eq!(first[2], 2.5e-300);
    assert_eq!(first[5].to_bits(), (-0.12345678901234568f64).to_bits());

    let (_, metadata) = SafeTensors::read_metadata(&bytes).unwrap();
    let metadata = metadata.metadata().clone().unwrap();
    assert_eq!(metadata[VERSION_KEY], "1");
    assert_eq!(metadata[SIZES_KEY], "3,2,3");
    assert_eq!(metadata[ACTIVATIONS_KEY], "leaky-relu,softmax");
    assert_eq!(metadata[LOSS_KEY], "cross-entropy");
    let file: serde_json::Value = serde_json::from_str(&metadata[MODEL_KEY]).unwrap();
    assert_eq!(file["layers"][0]["weights"], serde_json::json!([]));
    assert_eq!(file["layers"][0]["bias"], serde_json::json!([]));
    assert_eq!(file["layers"][1]["bias"], serde_json::Value::Null);
    assert_eq!(file["inputs"]["categories"]["island"][1], "Dream");
    assert_eq!(file["outputs"]["classes"][2], "Gentoo");
    // The header's metadata keys are in sorted order.
    let length = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + length]).unwrap();
    let positions: Vec<usize> = [ACTIVATIONS_KEY, VERSION_KEY, LOSS_KEY, MODEL_KEY, SIZES_KEY]
        .map(|key| header.find(&format!("\"{key}\"")).unwrap())
        .to_vec();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{header}");
}

#[test]
fn save_and_load_write_atomically_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("model.safetensors");
    let original = model(REGRESSION);
    save_safetensors(&original, &file).unwrap();
    assert_eq!(load_safetensors(&file).unwrap(), original);
    let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["model.safetensors"]);
    let err = load_safetensors(dir.path().join("none.safetensors")).unwrap_err();
    assert!(matches!(err, SafetensorsError::Read { .. }), "{err}");
    assert!(err.to_string().contains("none.safetensors: cannot read"), "{err}");
}

/// A file of these tensors (name, shape, values as F64, or F32 when `f32` is set) and metadata.
fn file_of(tensors: &[(&str, Vec<usize>, bool)], metadata: &[(&str, String)]) -> Vec<u8> {
    let views: Vec<(String, F64Tensor)> = tensors
        .iter()
        .map(|(name, shape, f32)| {
            let count: usize = shape.iter().product();
            let mut tensor = F64Tensor::new(shape.clone(), (0..count).map(|k| k as f64 * 0.1));
            if *f32 {
                tensor.bytes.truncate(count * 4);
            }
            ((*name).to_owned(), tensor)
        })
        .collect();
    let metadata: HashMap<String, String> =
        metadata.iter().map(|(key, value)| ((*key).to_owned(), value.clone())).collect();
    let f32_names: Vec<&str> =
        tensors.iter().filter(|(_, _, f32)| *f32).map(|(name, _, _)| *name).collect();
    struct Typed<'a>(&'a F64Tensor, Dtype);
    impl safetensors::View for Typed<'_> {
        fn dtype(&self) -> Dtype {
            self.1
        }
        fn shape(&self) -> &[usize] {
            &self.0.shape
        }
        fn data(&self) -> std::borrow::Cow<'_, [u8]> {
            std::borrow::Cow::Borrowed(&self.0.bytes)
        }
        fn data_len(&self) -> usize {
            self.0.bytes.len()
        }
    }
    let typed = views.iter().map(|(name, tensor)| {
        let dtype = if f32_names.contains(&name.as_str()) { Dtype::F32 } else { Dtype::F64 };
        (name.as_str(), Typed(tensor, dtype))
    });
    safetensors::serialize(typed, Some(metadata)).unwrap()
}

/// The seed model's metadata, as `mlp export` writes it.
fn seed_metadata() -> Vec<(&'static str, String)> {
    let bytes = to_safetensors(&model(SEED)).unwrap();
    let (_, metadata) = SafeTensors::read_metadata(&bytes).unwrap();
    let metadata = metadata.metadata().clone().unwrap();
    [VERSION_KEY, MODEL_KEY].map(|key| (key, metadata[key].clone())).to_vec()
}

fn import_error(bytes: &[u8]) -> (SafetensorsError, String) {
    let err = from_safetensors(bytes, path()).unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("m.safetensors: "), "{message}");
    (err, message)
}

#[test]
fn bad_files_give_typed_errors_naming_the_file() {
    let good = [("layers.0.weight", vec![2, 2], false), ("layers.1.weight", vec![2, 2], false)];
    assert!(from_safetensors(&file_of(&good, &seed_metadata()), path()).is_ok());

    let (err, message) = import_error(b"{\"format\": \"mlp-model\"}");
    assert!(matches!(err, SafetensorsError::NotSafetensors { .. }), "{message}");
    assert!(message.contains("not a safetensors file"), "{message}");

    let (err, message) = import_error(&file_of(&good, &[]));
    assert!(matches!(err, SafetensorsError::MissingMetadata { key: "mlp.format_version", .. }));
    assert!(message.contains("only files written by `mlp export`"), "{message}");
    let (err, _) = import_error(&file_of(&good, &seed_metadata()[..1]));
    assert!(matches!(err, SafetensorsError::MissingMetadata { key: "mlp.model", .. }), "{err}");

    let mut metadata = seed_metadata();
    metadata[0].1 = "2".to_owned();
    let (err, _) = import_error(&file_of(&good, &metadata));
    assert!(matches!(err, SafetensorsError::LayoutVersion { .. }), "{err}");

    let mut metadata = seed_metadata();
    metadata[1].1 = "{\"format\": \"mlp-model\",\n \"version\": }".to_owned();
    let (err, message) = import_error(&file_of(&good, &metadata));
    assert!(matches!(err, SafetensorsError::ModelJson { line: 2, .. }), "{message}");

    let (err, message) = import_error(&file_of(&good[..1], &seed_metadata()));
    assert!(matches!(err, SafetensorsError::MissingTensor { .. }), "{message}");
    assert!(message.contains("\"layers.1.weight\" is missing"), "{message}");

    let wrong = [("layers.0.weight", vec![2, 2], false), ("layers.1.weight", vec![2, 3], false)];
    let (err, message) = import_error(&file_of(&wrong, &seed_metadata()));
    assert!(matches!(err, SafetensorsError::Shape { .. }), "{message}");
    assert!(message.contains("shape [2, 3], expected [2, 2]"), "{message}");
    let flat = [("layers.0.weight", vec![4], false), ("layers.1.weight", vec![2, 2], false)];
    let (err, _) = import_error(&file_of(&flat, &seed_metadata()));
    assert!(matches!(err, SafetensorsError::Shape { .. }), "{err}");
    // Three inputs where the model's columns make two: the model file's own check.
    let wide = [("layers.0.weight", vec![2, 3], false), ("layers.1.weight", vec![2, 2], false)];
    let (err, message) = import_error(&file_of(&wide, &seed_metadata()));
    assert!(matches!(err, SafetensorsError::Model(_)), "{message}");

    let single = [("layers.0.weight", vec![2, 2], true), ("layers.1.weight", vec![2, 2], false)];
    let (err, message) = import_error(&file_of(&single, &seed_metadata()));
    assert!(matches!(err, SafetensorsError::Dtype { .. }), "{message}");
    assert!(message.contains("is F32, expected F64"), "{message}");

    let extra = [
        ("layers.0.weight", vec![2, 2], false),
        ("layers.1.weight", vec![2, 2], false),
        ("layers.1.bias", vec![2], false),
    ];
    let (err, message) = import_error(&file_of(&extra, &seed_metadata()));
    assert!(matches!(err, SafetensorsError::UnexpectedTensor { .. }), "{message}");
    assert!(message.contains("\"layers.1.bias\""), "{message}");
}
