//! Tests of the safetensors export and import.
