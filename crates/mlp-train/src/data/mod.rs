//! Loading CSV files into datasets (in progress).
