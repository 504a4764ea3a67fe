#!/usr/bin/env python3
"""The tutorial's training step computed independently of mlp, in plain Python floats.

The expected numbers of tests/tutorial.rs, tests/util.rs, crates/mlp-cli/tests/cli/seed.rs and
crates/mlp-cli/src/explain/tests.rs come from this computation (docs/tutorial.md walks through
it). Run: python3 tests/reference/tutorial.py
"""
import math

x = [0.1, 0.2]
t = [0.4, 0.6]
# Rows are the neuron fed, columns the input it comes from: W1 W2 / W3 W4, then W5 W6 / W7 W8.
w_hidden = [[0.30, 0.25], [0.40, 0.35]]
w_output = [[0.45, 0.40], [0.70, 0.60]]
eta = 0.5


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


z_hidden = [sum(w * xi for w, xi in zip(row, x)) for row in w_hidden]
h = [sigmoid(z) for z in z_hidden]
z_output = [sum(w * hi for w, hi in zip(row, h)) for row in w_output]
o = [sigmoid(z) for z in z_output]
e = sum(0.5 * (ti - oi) ** 2 for ti, oi in zip(t, o))

de_do = [oi - ti for oi, ti in zip(o, t)]
do_dz = [oi * (1 - oi) for oi in o]
delta_output = [a * b for a, b in zip(de_do, do_dz)]
grad_output = [[delta_output[k] * h[j] for j in range(2)] for k in range(2)]

de_dh = [sum(delta_output[k] * w_output[k][j] for k in range(2)) for j in range(2)]
dh_dz = [hj * (1 - hj) for hj in h]
delta_hidden = [a * b for a, b in zip(de_dh, dh_dz)]
grad_hidden = [[delta_hidden[j] * x[i] for i in range(2)] for j in range(2)]

new_hidden = [[w - eta * g for w, g in zip(wr, gr)] for wr, gr in zip(w_hidden, grad_hidden)]
new_output = [[w - eta * g for w, g in zip(wr, gr)] for wr, gr in zip(w_output, grad_output)]


def forward_loss(wh, wo):
    hh = [sigmoid(sum(w * xi for w, xi in zip(row, x))) for row in wh]
    oo = [sigmoid(sum(w * hi for w, hi in zip(row, hh))) for row in wo]
    return sum(0.5 * (ti - oi) ** 2 for ti, oi in zip(t, oo))


print("z1 z2", z_hidden, "h1 h2", h)
print("z3 z4", z_output, "o1 o2", o)
print("E", e)
print("dE/do", de_do, "do/dz", do_dz, "dE/dz (output)", delta_output)
print("dE/dW5..W8", [g for row in grad_output for g in row])
print("dE/dh", de_dh, "dh/dz", dh_dz, "dE/dz (hidden)", delta_hidden)
print("dE/dW1..W4", [g for row in grad_hidden for g in row])
print("W1..W4 after", [w for row in new_hidden for w in row])
print("W5..W8 after", [w for row in new_output for w in row])
print("E after the step", forward_loss(new_hidden, new_output))
