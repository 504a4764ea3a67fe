//! The `model_file` target: see [`mlp_fuzz::model_file`] for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mlp_fuzz::model_file(data);
});
