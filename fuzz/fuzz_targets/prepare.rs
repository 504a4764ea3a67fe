//! The `prepare` target: see [`mlp_fuzz::prepare`] for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mlp_fuzz::prepare(data);
});
