#!/usr/bin/env python3
"""Expected numbers of tests/library_train_api.rs, computed with numpy, independently of mlp.

1. The save_load example's 2-3-2 classifier (tanh hidden layer, softmax output) on the rows
   (0, 0) and (3, -1).
2. A prepared regression model's predictions on rows of raw values: a categorical column
   one-hot over its sorted categories, a missing number filled by the imputer, inputs
   standardized, the output mapped back through the target scaler.

Run: python3 tests/reference/library_train_api.py
"""
import math

import numpy as np

print("numpy", np.__version__)

# 1. The save_load example.
w1 = np.array([[0.1 + 0.2, -1.0 / 3.0], [math.sqrt(2.0), 0.7], [-0.25, math.pi]])
b1 = np.array([0.01, -0.02, 1e-17])
w2 = np.array([[1.5, -0.5, 0.25], [-1.5, 0.5, -0.25]])
b2 = np.array([0.5, -0.5])
for row in ([0.0, 0.0], [3.0, -1.0]):
    h = np.tanh(w1 @ np.array(row) + b1)
    z = w2 @ h + b2
    p = np.exp(z - z.max())
    p /= p.sum()
    print("save_load", row, [repr(float(v)) for v in p])

# 2. Features island (categories Biscoe, Dream) and mass; the imputer fills mass with 4050.
#    Inputs island=Biscoe, island=Dream, mass; standardizer mean [0, 0, 4200.5], std [1, 1, 801.25].
#    One identity output: 0.5 a + (-1.5) b + 0.1 c + 0.3, then y = o * 14.06 + 200.9.
mean = np.array([0.0, 0.0, 4200.5])
std = np.array([1.0, 1.0, 801.25])
w = np.array([0.5, -1.5, 0.1])
for island, mass in (("Dream", 3800.0), ("Biscoe", None), ("Dream", 5000.0)):
    x = np.array([1.0 if island == "Biscoe" else 0.0, 1.0 if island == "Dream" else 0.0,
                  4050.0 if mass is None else mass])
    o = w @ ((x - mean) / std) + 0.3
    print("prepared", island, mass, repr(float(o * 14.06 + 200.9)))
