#!/usr/bin/env python3
"""Rebuild an `mlp export` safetensors file as a PyTorch network and check its predictions.

    mlp export --model model.json --format safetensors model.safetensors
    mlp predict --model model.json data.csv --output predictions.csv
    python3 scripts/torch_from_safetensors.py model.safetensors data.csv predictions.csv

Loads the tensors with `safetensors.torch.load_file` (float64), builds `torch.nn.Sequential`
from the metadata (`nn.Linear` per layer, then its activation), prepares the data as the model
file says (categories one-hot, missing cells imputed, inputs standardized), predicts, maps
regression outputs back through the target scaler, and compares every number with `mlp
predict`'s CSV. Prints the largest difference (relative to max(1, |mlp's value|)) and exits 1
above 1e-12 or when a predicted class differs. Needs torch and safetensors (pip install).
"""
import csv
import json
import sys

import torch

torch.set_default_dtype(torch.float64)
from safetensors import safe_open
from safetensors.torch import load_file

DEFAULT_NA = ["NA", "N/A", "NaN", "nan", "null", "?"]
TOLERANCE = 1e-12


def network(path):
    tensors = load_file(path)
    with safe_open(path, framework="pt") as file:
        metadata = file.metadata()
    model = json.loads(metadata["mlp.model"])
    modules = []
    for index, layer in enumerate(model["layers"]):
        weight = tensors[f"layers.{index}.weight"]
        bias = tensors.get(f"layers.{index}.bias")
        linear = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None,
                                 dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(weight)
            if bias is not None:
                linear.bias.copy_(bias)
        modules.append(linear)
        activation = layer["activation"]
        if activation == "sigmoid":
            modules.append(torch.nn.Sigmoid())
        elif activation == "tanh":
            modules.append(torch.nn.Tanh())
        elif activation == "relu":
            modules.append(torch.nn.ReLU())
        elif activation == "leaky-relu":
            modules.append(torch.nn.LeakyReLU(layer.get("slope", 0.01)))
        elif activation == "softmax":
            modules.append(torch.nn.Softmax(dim=1))
    return torch.nn.Sequential(*modules), model


def prepared_inputs(model, data_path):
    """The network's inputs, one row per data row, as `mlp predict` prepares them."""
    inputs = model["inputs"]
    categories = inputs.get("categories") or {}
    na_values = set(inputs.get("na_values") or DEFAULT_NA) | {""}
    imputer = (inputs.get("imputer") or {}).get("values")
    rows = []
    with open(data_path, newline="") as file:
        for record in csv.DictReader(file):
            row = []
            for column, name in enumerate(inputs["names"]):
                cell = record[name].strip()
                if cell in na_values:
                    cell = imputer[column]
                if name in categories:
                    row.extend(1.0 if str(cell) == c else 0.0 for c in categories[name])
                else:
                    row.append(float(cell))
            rows.append(row)
    x = torch.tensor(rows, dtype=torch.float64)
    standardizer = inputs.get("standardizer")
    if standardizer:
        x = (x - torch.tensor(standardizer["mean"])) / torch.tensor(standardizer["std"])
    return x


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    safetensors_path, data_path, predictions_path = sys.argv[1:]
    net, model = network(safetensors_path)
    with torch.no_grad():
        outputs = net(prepared_inputs(model, data_path))
    outputs_spec = model["outputs"]
    columns = {}
    classes = outputs_spec.get("classes")
    if classes:
        if outputs.shape[1] == 1:  # one sigmoid output: p of the second class
            outputs = torch.cat([1 - outputs, outputs], dim=1)
        for k, name in enumerate(classes):
            columns[f"p_{name}"] = outputs[:, k]
        label = outputs_spec["names"][0]
        predicted = [classes[k] for k in outputs.argmax(dim=1).tolist()]
    else:
        scaler = outputs_spec.get("scaler")
        if scaler:
            outputs = outputs * torch.tensor(scaler["std"]) + torch.tensor(scaler["mean"])
        for k, name in enumerate(outputs_spec["names"]):
            columns[f"predicted_{name}"] = outputs[:, k]
        label, predicted = None, None

    largest, where = 0.0, None
    with open(predictions_path, newline="") as file:
        for index, record in enumerate(csv.DictReader(file)):
            if label is not None and record[f"predicted_{label}"] != predicted[index]:
                sys.exit(f"row {index + 1}: mlp predicts {record[f'predicted_{label}']}, "
                         f"PyTorch {predicted[index]}")
            for name, values in columns.items():
                ours = float(record[name])
                difference = abs(ours - values[index].item()) / max(1.0, abs(ours))
                if difference > largest:
                    largest, where = difference, (index + 1, name)
        n_rows = index + 1
    if n_rows != outputs.shape[0]:
        sys.exit(f"{predictions_path} has {n_rows} rows, the data {outputs.shape[0]}")
    print(f"{n_rows} rows, {len(columns)} columns: largest difference {largest:.3g}"
          + (f" (row {where[0]}, {where[1]})" if where else ""))
    if largest > TOLERANCE:
        sys.exit(f"above {TOLERANCE}")


if __name__ == "__main__":
    main()
