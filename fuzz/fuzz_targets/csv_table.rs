//! The `csv_table` target: see [`mlp_fuzz::csv_table`] for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mlp_fuzz::csv_table(data);
});
