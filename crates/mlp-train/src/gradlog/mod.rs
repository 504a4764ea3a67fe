//! CSV-writing tracing layers (in progress).
