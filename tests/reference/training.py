#!/usr/bin/env python3
"""The training maths computed independently of mlp: losses, optimizers, schedules, Mazur.

PyTorch in float64 for the losses, the optimizer trajectories and the learning-rate schedules;
plain Python floats for Matt Mazur's frozen-bias example. Every number is printed with repr, and
the tests copy them:

- losses: crates/mlp-core/src/loss.rs (tests), one sample's E and dE/do per loss, and a batch's
  mean loss and its gradients through one dense layer for each loss and output activation;
- optimizers: tests/optimizers.rs, 12 full-batch steps of a 2-3-2 network with biases and L2;
- schedules: crates/mlp-train/src/config.rs (tests) and tests/training.rs, the rate of every
  epoch under StepLR and ExponentialLR;
- Mazur: tests/training.rs and crates/mlp-cli/tests/cli/library_training.rs.

Run: python3 tests/reference/training.py
"""
import math

import torch

torch.set_default_dtype(torch.float64)
print("torch", torch.__version__)


def show(name, tensor):
    """A tensor's numbers in row-major order, each with repr (17 significant digits)."""
    values = tensor.detach().reshape(-1).tolist() if torch.is_tensor(tensor) else tensor
    print(name, "[" + ", ".join(repr(float(v)) for v in values) + "]")


# ---------------------------------------------------------------------------------------------
# Losses. One sample of K = 3 outputs; E and dE/do from autograd on the per-sample loss.
#   sse: sum 1/2 (t - o)^2     mse: (1/K) sum (t - o)^2 (torch's MSELoss, reduction mean)
#   cross-entropy after sigmoid: binary cross-entropy per output, summed (BCELoss, sum), whose
#   dE/do is (o - t) / (o (1 - o)).
print("\n# one sample: o, t, then E and dE/do per loss")
o = torch.tensor([0.2, 0.7, 0.55], requires_grad=True)
t = torch.tensor([0.0, 1.0, 0.25])
show("o", o)
show("t", t)
for name, loss in [
    ("sse", lambda: 0.5 * ((t - o) ** 2).sum()),
    ("mse", lambda: torch.nn.functional.mse_loss(o, t)),
    ("bce", lambda: torch.nn.functional.binary_cross_entropy(o, t, reduction="sum")),
]:
    o.grad = None
    value = loss()
    value.backward()
    print(name, "E", repr(value.item()))
    show(name + " dE/do", o.grad)

# A batch of B = 4 samples through one dense layer z = W x + b, o = activation(z): the batch
# loss is the mean over samples of the per-sample loss, and the gradients are its derivatives.
print("\n# a batch through one dense layer (2 inputs, 3 outputs), mean over 4 samples")
x = torch.tensor([[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, 2.0]])  # samples are rows
targets = {
    "regression": torch.tensor(
        [[0.3, -0.2, 1.1], [0.9, 0.4, -0.6], [-0.5, 0.7, 0.2], [0.05, -1.3, 0.8]]
    ),
    # One-hot for softmax; independent labels for sigmoid.
    "softmax": torch.tensor([[1.0, 0, 0], [0, 0, 1.0], [0, 1.0, 0], [0, 0, 1.0]]),
    "sigmoid": torch.tensor([[1.0, 0, 1.0], [0, 0, 1.0], [0, 1.0, 0], [1.0, 1.0, 0]]),
}
w0 = torch.tensor([[0.4, -0.3], [0.25, 0.9], [-0.6, 0.15]])
b0 = torch.tensor([0.1, -0.2, 0.05])
show("x (rows are samples)", x)
for key, value in targets.items():
    show("targets " + key, value)
show("W", w0)
show("b", b0)
cases = [
    ("identity sse", lambda z: z, "regression", lambda o, t, z: (0.5 * (t - o) ** 2).sum(1)),
    ("identity mse", lambda z: z, "regression", lambda o, t, z: ((t - o) ** 2).mean(1)),
    (
        "softmax cross-entropy",
        lambda z: torch.softmax(z, 1),
        "softmax",
        # torch's cross_entropy on logits with class-probability targets, per sample.
        lambda o, t, z: torch.nn.functional.cross_entropy(z, t, reduction="none"),
    ),
    (
        "sigmoid cross-entropy",
        torch.sigmoid,
        "sigmoid",
        lambda o, t, z: torch.nn.functional.binary_cross_entropy_with_logits(
            z, t, reduction="none"
        ).sum(1),
    ),
]
for name, activation, target_key, per_sample in cases:
    w = w0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    z = x @ w.T + b
    batch_loss = per_sample(activation(z), targets[target_key], z).mean()
    batch_loss.backward()
    print(name, "E", repr(batch_loss.item()))
    show(name + " dE/dW", w.grad)
    show(name + " dE/db", b.grad)

# ---------------------------------------------------------------------------------------------
# Optimizers. A 2-3-2 network (tanh hidden layer, identity output, biases, MSE) trained on one
# batch of 4 samples for 12 steps, each step on the whole batch, with L2 decay 0.01.
#
# Conventions mapped: torch's weight_decay adds wd * p to the gradient of EVERY parameter in its
# group, biases included; mlp's L2 decays weights only (as scikit-learn and Keras do). So the
# biases go in a param group with weight_decay 0. torch's SGD(momentum) starts the velocity at
# the first gradient, as v = 0.9 * 0 + g does; torch's Adam divides by sqrt(v) / sqrt(1 - b2^t)
# where mlp takes sqrt(v / (1 - b2^t)): the same number up to rounding.
print("\n# optimizers: 12 steps of a 2-3-2 tanh/identity network, MSE, L2 0.01 on weights only")
xs = torch.tensor([[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, 2.0]])
ts = torch.tensor([[0.3, -0.2], [0.9, 0.4], [-0.5, 0.7], [0.05, -1.3]])
init = {
    "w1": torch.tensor([[0.4, -0.3], [0.25, 0.9], [-0.6, 0.15]]),
    "b1": torch.tensor([0.1, -0.2, 0.05]),
    "w2": torch.tensor([[0.7, -0.45, 0.3], [-0.35, 0.6, 0.8]]),
    "b2": torch.tensor([0.2, -0.1]),
}
for key in ["w1", "b1", "w2", "b2"]:
    show("initial " + key, init[key])
L2 = 0.01
STEPS = 12
rules = [
    ("sgd", 0.1, lambda groups: torch.optim.SGD(groups, lr=0.1)),
    ("momentum", 0.1, lambda groups: torch.optim.SGD(groups, lr=0.1, momentum=0.9)),
    (
        "nesterov",
        0.1,
        lambda groups: torch.optim.SGD(groups, lr=0.1, momentum=0.9, nesterov=True),
    ),
    ("adam", 0.01, lambda groups: torch.optim.Adam(groups, lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
]


def trajectory(make, frozen_biases=False):
    p = {key: value.clone().requires_grad_(True) for key, value in init.items()}
    groups = [{"params": [p["w1"], p["w2"]], "weight_decay": L2}]
    if not frozen_biases:
        groups.append({"params": [p["b1"], p["b2"]], "weight_decay": 0.0})
    optimizer = make(groups)
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        hidden = torch.tanh(xs @ p["w1"].T + p["b1"])
        out = hidden @ p["w2"].T + p["b2"]
        loss = ((ts - out) ** 2).mean(1).mean()
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    return p, losses


for name, rate, make in rules:
    p, losses = trajectory(make)
    print(name, "learning rate", rate)
    for key in ["w1", "b1", "w2", "b2"]:
        show(name + " after 12 steps " + key, p[key])
    show(name + " loss before each step", losses)

# Freezing: momentum with L2, the biases left out of the optimizer (torch never moves them).
p, losses = trajectory(rules[1][2], frozen_biases=True)
for key in ["w1", "b1", "w2", "b2"]:
    show("momentum, frozen biases, after 12 steps " + key, p[key])

# ---------------------------------------------------------------------------------------------
# Schedules: the rate of each epoch e = 1, 2, ... is the optimizer's rate during that epoch,
# read before scheduler.step() is called at its end (as torch's docs place the call).
print("\n# schedules, base rate 0.1: the rate during epochs 1..10")
for name, make in [
    ("StepLR(step_size=3, gamma=0.5)", lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5)),
    ("ExponentialLR(gamma=0.9)", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
]:
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = make(optimizer)
    rates = []
    for epoch in range(1, 11):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    show(name, rates)

# ---------------------------------------------------------------------------------------------
# Matt Mazur, "A Step by Step Backpropagation Example" (2015),
# https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/: a 2-2-2 sigmoid
# network, w1..w8 = .15 .20 .25 .30 .40 .45 .50 .55, b1 = .35 (both hidden neurons),
# b2 = .60 (both outputs), inputs .05 .10, targets .01 .99, E = sum 1/2 (t - o)^2, eta = 0.5,
# the biases not updated. Plain Python floats.
print("\n# Mazur's example, biases frozen")


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


w = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
b1, b2 = 0.35, 0.60
i1, i2 = 0.05, 0.10
t1, t2 = 0.01, 0.99


def forward(w):
    h1 = sigmoid(w[0] * i1 + w[1] * i2 + b1)
    h2 = sigmoid(w[2] * i1 + w[3] * i2 + b1)
    o1 = sigmoid(w[4] * h1 + w[5] * h2 + b2)
    o2 = sigmoid(w[6] * h1 + w[7] * h2 + b2)
    return h1, h2, o1, o2


def error(w):
    _, _, o1, o2 = forward(w)
    return 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2


def update(w):
    h1, h2, o1, o2 = forward(w)
    d1 = (o1 - t1) * o1 * (1 - o1)
    d2 = (o2 - t2) * o2 * (1 - o2)
    e_h1 = d1 * w[4] + d2 * w[6]
    e_h2 = d1 * w[5] + d2 * w[7]
    g1 = e_h1 * h1 * (1 - h1)
    g2 = e_h2 * h2 * (1 - h2)
    grads = [g1 * i1, g1 * i2, g2 * i1, g2 * i2, d1 * h1, d1 * h2, d2 * h1, d2 * h2]
    return [wi - 0.5 * gi for wi, gi in zip(w, grads)]


print("E before training", repr(error(w)))
after = {}
for n in range(1, 10001):
    w = update(w)
    if n in (1, 9999, 10000):
        after[n] = error(w)
print("E after 1 update (the blog prints 0.291027924)", repr(after[1]))
print("E after 9,999 updates (the blog's 0.0000351085)", repr(after[9999]))
print("E after 10,000 updates", repr(after[10000]))
show("w1..w8 after 10,000 updates", w)
