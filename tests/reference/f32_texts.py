"""The tutorial's step (docs/tutorial.md) in float32 with numpy, for the f32 gradient log.

An f32 run writes each number as the shortest text that reads back as its float32; numpy's
`repr` of a float32 is that text. Printed: W5's row (weight, dE/da, da/dz, dz/dw, dE/dw,
weight_new) as float32 texts, and the same numbers widened to float64, whose texts the log
must not show. numpy's float32 exp may differ from Rust's by an ulp, so the tests compare these
within 2 ulps and check the log against the Rust f32 tape exactly.
"""
import numpy as np

f = np.float32
x = np.array([0.1, 0.2], dtype=f)
t = np.array([0.4, 0.6], dtype=f)
W1 = np.array([[0.30, 0.25], [0.40, 0.35]], dtype=f)  # W1..W4, row = neuron fed
W2 = np.array([[0.45, 0.40], [0.70, 0.60]], dtype=f)  # W5..W8


def sigmoid(z):
    return f(1) / (f(1) + np.exp(-z))


h = sigmoid(W1 @ x)
o = sigmoid(W2 @ h)
de_da = o - t  # E = sum 1/2 (t - o)^2
da_dz = o * (f(1) - o)
de_dz = de_da * da_dz
dz_dw = h[0]
de_dw = de_dz[0] * dz_dw
w5_new = W2[0, 0] - f(0.5) * de_dw
row = [W2[0, 0], de_da[0], da_dz[0], dz_dw, de_dw, w5_new]
print("W5 float32 texts:", [str(np.float32(v)) for v in row])
print("W5 float64 texts:", [repr(float(v)) for v in row])
