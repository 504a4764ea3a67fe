#!/usr/bin/env bash
# The vanishing-gradient demonstration of docs/vanishing-gradients.md: the same deep, narrow
# network (7 hidden layers of 8 units) trained on the wine data with sigmoid and with ReLU
# units, its layer log charted per layer, and the gradient norm of every layer in the first
# epoch printed as a Markdown table.
#
# Builds nothing: takes the mlp binary from $MLP, else target/release/mlp (cargo build
# --release). Run from anywhere; paths are relative to the repository's root.
#
#   scripts/vanishing_gradients.sh
#
# Environment (defaults in brackets): MLP [target/release/mlp], OUT, the logs [out/vanishing],
# IMAGES, the charts [docs/images], EPOCHS [100].
set -euo pipefail

cd "$(dirname "$0")/.."
MLP=${MLP:-target/release/mlp}
OUT=${OUT:-out/vanishing}
IMAGES=${IMAGES:-docs/images}
EPOCHS=${EPOCHS:-100}

if [[ ! -x "$MLP" ]]; then
    echo "error: no mlp binary at $MLP: run cargo build --release, or set MLP" >&2
    exit 1
fi
mkdir -p "$OUT" "$IMAGES"

for activation in sigmoid relu; do
    title="Wine, 7 hidden layers of 8 $([[ $activation == relu ]] && echo ReLU || echo sigmoid) units"
    # Xavier uniform initial weights for sigmoid layers, He normal for ReLU layers (the
    # defaults); plain SGD so that the step is the gradient times η.
    "$MLP" train datasets/wine.csv --target class \
        --hidden 8,8,8,8,8,8,8 --activation "$activation" \
        --optimizer sgd --learning-rate 0.1 --batch-size 16 --epochs "$EPOCHS" --seed 42 \
        --layer-log "$OUT/$activation-layers.csv" --history "$OUT/$activation-history.csv" \
        --quiet
    "$MLP" plot --layer-log "$OUT/$activation-layers.csv" --x-axis epoch \
        --title "$title" \
        -o "$IMAGES/vanishing-$activation.png" --quiet
    "$MLP" plot --history "$OUT/$activation-history.csv" --height 700 \
        --title "$title" \
        -o "$IMAGES/vanishing-$activation-loss.png" --quiet
done

# The mean gradient norm of each layer over the steps of epoch 1, and its ratio to the output
# layer's, for both networks.
awk -F, '
    FNR == 1 {
        for (col = 1; col <= NF; col++) index_of[$col] = col
        net = (FILENAME ~ /sigmoid/) ? "sigmoid" : "relu"
        next
    }
    $index_of["epoch"] == 1 {
        layer = $index_of["layer"] + 0
        sum[net, layer] += $index_of["grad_norm"]
        count[net, layer]++
        if (layer > n_layers) n_layers = layer
    }
    END {
        for (layer = 1; layer <= n_layers; layer++) {
            sigmoid[layer] = sum["sigmoid", layer] / count["sigmoid", layer]
            relu[layer] = sum["relu", layer] / count["relu", layer]
        }
        print "| layer | sigmoid: grad norm | ÷ output | ReLU: grad norm | ÷ output |"
        print "|---|---|---|---|---|"
        for (layer = 1; layer <= n_layers; layer++) {
            name = (layer == n_layers) ? layer " (output)" : layer
            printf "| %s | %.2e | %.2g | %.2e | %.2g |\n", name, sigmoid[layer],
                sigmoid[layer] / sigmoid[n_layers], relu[layer], relu[layer] / relu[n_layers]
        }
        printf "\nLayer 1, sigmoid ÷ ReLU: %.2g\n", sigmoid[1] / relu[1]
    }
' "$OUT/sigmoid-layers.csv" "$OUT/relu-layers.csv"

for activation in sigmoid relu; do
    tail -n 1 "$OUT/$activation-history.csv" | awk -F, -v net="$activation" \
        '{ printf "%s, epoch %d: loss %.3f, validation accuracy %.3f\n", net, $1, $2, $5 }'
done
