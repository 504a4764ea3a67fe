"""The activations behind the saturation edges of `mlp_train::health`'s unit tests.

A sigmoid activation is saturated below 0.01 or above 0.99, a tanh one above 0.99 in absolute
value (the layer log's definition). Printed: sigma(4.6), sigma(-4.6), sigma(4.59), tanh(2.65),
tanh(2.64), tanh(-2.65), each with its verdict, and the ReLU pre-activation -1 + 1e-9 + 1 the
dead-unit test feeds (above 0: alive).
"""
import math

import torch

z = torch.tensor([4.6, -4.6, 4.59], dtype=torch.float64)
for zi, a in zip(z.tolist(), torch.sigmoid(z).tolist()):
    print("sigmoid(%r) = %.17g saturated=%s" % (zi, a, not (0.01 <= a <= 0.99)))
z = torch.tensor([2.65, 2.64, -2.65], dtype=torch.float64)
for zi, a in zip(z.tolist(), torch.tanh(z).tolist()):
    print("tanh(%r) = %.17g saturated=%s" % (zi, a, abs(a) > 0.99))
w, b = 1.0, -1.0 + 1e-9
print("relu z = %.17g dead=%s" % (w * 1.0 + b, w * 1.0 + b <= 0.0))
assert math.isclose(1 / (1 + math.exp(-4.6)), torch.sigmoid(torch.tensor(4.6, dtype=torch.float64)).item())
