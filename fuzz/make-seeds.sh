#!/usr/bin/env bash
# Writes the seed corpora, fuzz/corpus/<target>/seed-*, from the files in datasets/: small
# files whole, heads or every n-th row of the larger ones (a seed over a few kilobytes slows
# every execution), a few hand-made hostile shapes, and model files trained for one epoch by
# the `mlp` binary built from this tree. The seeds are committed; run this again after a
# dataset or the model-file format changes. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cargo build --release --quiet -p mlp-cli
bin="$PWD/target/release"
csv=fuzz/corpus/csv_table
model=fuzz/corpus/model_file
prepare=fuzz/corpus/prepare
mkdir -p "$csv" "$model" "$prepare"
rm -f "$csv"/seed-* "$model"/seed-* "$prepare"/seed-*

# Every 5th row of a file, the header kept: all classes in a few rows.
sample() { awk -v every="$2" 'NR == 1 || NR % every == 2' "$1"; }

# csv_table: the whole input is read with the default options, then the input after its first
# byte with the options that byte chooses (fuzz/src/lib.rs, csv_options).
cp datasets/xor.csv "$csv/seed-xor.csv"
cp datasets/seed/data.csv "$csv/seed-tutorial.csv"
head -n 16 datasets/iris.csv >"$csv/seed-iris-head.csv"
head -n 16 datasets/penguins.csv >"$csv/seed-penguins-head.csv"
head -n 8 datasets/wine.csv >"$csv/seed-wine-head.csv"
head -n 8 datasets/diabetes.csv >"$csv/seed-diabetes-head.csv"
gzip -9 -n -c datasets/xor.csv >"$csv/seed-xor.csv.gz"
# First byte '\n' (0x0a): `;` between fields and decimal commas.
{ printf '\n'; head -n 8 datasets/iris.csv | sed -e 's/,/;/g' -e 's/\([0-9]\)\.\([0-9]\)/\1,\2/g'; } \
    >"$csv/seed-semicolon-decimal-comma.csv"
# A byte-order mark, CRLF, quoted fields with delimiters, quotes and a line break inside,
# missing-value markers, a blank line, spaces to trim.
printf '\xef\xbb\xbf"id","x, y","label"\r\n1," 1.5 ","a ""quoted"" word"\r\n2,NA,"two\r\nlines"\r\n\r\n3, -2e-3 ,?\r\n' \
    >"$csv/seed-quoted-crlf.csv"

# model_file: the tutorial's hand-written model, and models trained one epoch.
cp datasets/seed/model.json "$model/seed-tutorial.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Run in the temporary directory as plain `mlp`, so the provenance records relative names.
mlp() { (cd "$tmp" && PATH="$bin:$PATH" command mlp "$@"); }
sample datasets/iris.csv 5 >"$tmp/iris.csv"
sample datasets/penguins.csv 10 >"$tmp/penguins.csv"
sample datasets/diabetes.csv 10 >"$tmp/diabetes.csv"
mlp train iris.csv --target species --hidden 3 --epochs 1 --quiet \
    --save "$root/$model/seed-iris.json" >/dev/null
mlp train penguins.csv --target species --hidden 2 --epochs 1 --missing median \
    --quiet --save "$root/$model/seed-penguins-impute.json" >/dev/null
mlp train diabetes.csv --target progression --hidden 2 --activation relu --epochs 1 \
    --standardize-target --quiet --save "$root/$model/seed-diabetes-regression.json" >/dev/null

# prepare: byte 1 chooses the preparation, byte 2 the network (training_options and
# train_settings in fuzz/src/lib.rs); the rest is the CSV file, its last column the target.
{ printf '\x00\x00'; cat datasets/xor.csv; } >"$prepare/seed-xor.csv"
{ printf '\x80\x05'; cat "$tmp/iris.csv"; } >"$prepare/seed-iris-validation.csv"
# Missing cells imputed with the median (0x0c), dropped (0x04); species as the last column.
awk -F, -v OFS=, '{ print $2, $3, $4, $5, $6, $7, $8, $1 }' "$tmp/penguins.csv" >"$tmp/penguins-last.csv"
{ printf '\x0c\x2a'; cat "$tmp/penguins-last.csv"; } >"$prepare/seed-penguins-impute.csv"
{ printf '\x04\x8b'; cat "$tmp/penguins-last.csv"; } >"$prepare/seed-penguins-drop.csv"
# A regression with standardized targets (0x42), tanh hidden layer.
{ printf '\x42\x07'; head -n 12 datasets/diabetes.csv; } >"$prepare/seed-diabetes-regression.csv"
# Integer codes as classes (wine's first column moved last).
awk -F, -v OFS=, '{ c = $1; $1 = ""; sub(/^,/, ""); print $0, c }' datasets/wine.csv \
    | awk 'NR == 1 || NR % 12 == 2' >"$tmp/wine-last.csv"
{ printf '\x01\x11'; cat "$tmp/wine-last.csv"; } >"$prepare/seed-wine-classes.csv"

ls -l "$csv" "$model" "$prepare" | grep seed- | awk '{ total += $5 } END { print total " bytes of seeds" }'
