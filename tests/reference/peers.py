#!/usr/bin/env python3
"""The worked example of docs/reproducing-peers.md: scikit-learn's MLPRegressor trained from
given weights, full batch, no shuffling, and the numbers mlp must reach with the documented
flags (crates/mlp-cli/tests/cli/optimizer_options.rs, `peers_worked_example_*`).

Data: datasets/iris.csv, target petal_width, inputs sepal_length, sepal_width, petal_length
as they are (species dropped, no standardization), all 150 rows in file order.
Network: 3-4-1, tanh hidden layer, identity output (MLPRegressor's), biases.
Runs: solver sgd (momentum 0) and solver adam, learning rate 0.01, alpha 0.01, batch_size 150
(one full batch a step), shuffle=False, 40 epochs, from the weights below (set by fitting once
with warm_start=True and overwriting coefs_ and intercepts_: the next fit() starts from them
with a fresh optimizer).

mlp's flags (the doc explains each):
  (--l2 is alpha / batch_size = 0.01 / 150)
  mlp train iris.csv --target petal_width --drop species --init start.json --loss sse
      --optimizer sgd --learning-rate 0.01 --l2 6.666666666666667e-05 --batch-size 150 --epochs 40
      --validation 0 --no-standardize
Prints the initial and final parameters in mlp's order: W1 as mlp's rows (neuron) by columns
(input), i.e. coefs_[0].T, b1, W2 = coefs_[1].T, b2.
"""
import csv
import os
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

print("# scikit-learn", sklearn.__version__)
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "..", "..", "datasets", "iris.csv")) as f:
    rows = list(csv.DictReader(f))
X = np.array([[float(r["sepal_length"]), float(r["sepal_width"]), float(r["petal_length"])] for r in rows])
y = np.array([float(r["petal_width"]) for r in rows])

# Initial weights: mlp's layout (neurons x inputs), written into the test as they are.
W1 = np.array([[0.12, -0.31, 0.05], [-0.22, 0.17, 0.26], [0.08, 0.03, -0.19], [0.3, -0.11, 0.14]])
b1 = np.array([0.1, -0.05, 0.02, 0.0])
W2 = np.array([[0.4, -0.35, 0.27, 0.15]])
b2 = np.array([0.5])
EPOCHS, RATE, ALPHA = 40, 0.01, 0.01


def fitted(solver):
    model = MLPRegressor(
        hidden_layer_sizes=(4,),
        activation="tanh",
        solver=solver,
        alpha=ALPHA,
        batch_size=len(X),
        learning_rate_init=RATE,
        momentum=0.0,
        shuffle=False,
        max_iter=1,
        tol=0.0,
        n_iter_no_change=10**9,
        warm_start=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)  # only to build coefs_; overwritten next
        model.coefs_ = [W1.T.copy(), W2.T.copy()]
        model.intercepts_ = [b1.copy(), b2.copy()]
        model.max_iter = EPOCHS
        model.fit(X, y)
    assert model.n_iter_ == EPOCHS, model.n_iter_
    return model


def params(model):
    c, i = model.coefs_, model.intercepts_
    return list(c[0].T.ravel()) + list(i[0]) + list(c[1].T.ravel()) + list(i[1])


def show(name, values):
    print(f"// {name}")
    print("[" + ", ".join(repr(float(v)) for v in values) + "]")


show("initial", list(W1.ravel()) + list(b1) + list(W2.ravel()) + list(b2))
for solver in ["sgd", "adam"]:
    model = fitted(solver)
    show(f"{solver} after {EPOCHS} epochs", params(model))
    print(f"# {solver} final loss (scikit-learn's: mean squared error / 2 + L2 term): {model.loss_!r}")


def mlp_adam():
    """mlp's (and PyTorch's) Adam transcribed: eps added to sqrt(v_hat), not to sqrt(v)."""
    p = [W1.copy(), b1.copy(), W2.copy(), b2.copy()]
    m = [np.zeros_like(q) for q in p]
    v = [np.zeros_like(q) for q in p]
    n = len(X)
    for t in range(1, EPOCHS + 1):
        h = np.tanh(X @ p[0].T + p[1])
        d = (h @ p[2].T + p[3] - y[:, None]) / n  # d(sse batch mean)/d(output)
        dh = (d @ p[2]) * (1 - h * h)
        grads = [dh.T @ X + ALPHA / n * p[0], dh.sum(0), d.T @ h + ALPHA / n * p[2], d.sum(0)]
        for k, g in enumerate(grads):
            m[k] = 0.9 * m[k] + 0.1 * g
            v[k] = 0.999 * v[k] + 0.001 * g * g
            p[k] -= RATE * (m[k] / (1 - 0.9**t)) / (np.sqrt(v[k] / (1 - 0.999**t)) + 1e-8)
    return np.concatenate([q.ravel() for q in p])


ours, theirs = mlp_adam(), np.array(params(fitted("adam")))
relative = np.abs(ours - theirs) / np.maximum(np.abs(ours), np.abs(theirs))
print(f"# adam: mlp's eps placement vs scikit-learn's, largest relative difference {relative.max()!r}")
