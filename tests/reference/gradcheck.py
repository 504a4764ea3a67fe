"""Reference numbers for mlp_train::gradcheck's tests (crates/mlp-train/src/gradcheck/tests.rs).

For two small networks, every parameter's derivative of the batch-mean loss by PyTorch autograd
(float64) and by the central difference (E(w + h) - E(w - h)) / ((w + h) - (w - h)) with
h = 1e-5 * max(1, |w|), the loss computed by torch. Parameters are named as mlp names them:
W1.. across the layers, row-major (row = neuron fed), then b1.. across the layers.

Run: python3 tests/reference/gradcheck.py
"""
import torch

torch.set_default_dtype(torch.float64)
STEP = 1e-5

# Network A: 3 inputs -> 4 tanh (bias) -> 3 softmax (bias), cross-entropy, two samples.
A = {
    "layers": [
        ([[0.2, -0.5, 0.1], [0.7, 0.3, -0.4], [-0.6, 0.25, 0.9], [0.05, -0.15, 0.35]],
         [0.1, -0.2, 0.05, 0.3], "tanh"),
        ([[0.4, -0.3, 0.8, -0.1], [-0.7, 0.6, 0.2, 0.5], [0.3, 0.1, -0.45, 0.65]],
         [0.0, 0.15, -0.1], "softmax"),
    ],
    "x": [[0.5, -1.0, 2.0], [-0.3, 0.8, 0.1]],
    "t": [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]],
    "loss": "cross-entropy",
}
# Network B: 2 inputs -> 3 sigmoid (bias) -> 2 sigmoid (bias), sse (sum of half squares), two
# samples.
B = {
    "layers": [
        ([[0.30, 0.25], [0.40, 0.35], [-0.2, 0.6]], [0.35, -0.1, 0.2], "sigmoid"),
        ([[0.45, 0.40, -0.3], [0.70, 0.60, 0.1]], [0.60, -0.25], "sigmoid"),
    ],
    "x": [[0.1, 0.2], [0.9, -0.4]],
    "t": [[0.4, 0.6], [0.1, 0.95]],
    "loss": "sse",
}


def loss_of(params, case):
    x = torch.tensor(case["x"])
    t = torch.tensor(case["t"])
    a = x
    n = len(case["layers"])
    for index, (_, _, activation) in enumerate(case["layers"]):
        w, b = params[2 * index], params[2 * index + 1]
        z = a @ w.T + b
        if activation == "tanh":
            a = torch.tanh(z)
        elif activation == "sigmoid":
            a = torch.sigmoid(z)
        elif activation == "softmax":
            a = z  # logits; the loss takes them
    if case["loss"] == "cross-entropy":
        per_sample = -(t * torch.log_softmax(a, dim=1)).sum(dim=1)
    else:
        per_sample = 0.5 * ((t - a) ** 2).sum(dim=1)
    return per_sample.mean()


def report(label, case):
    params = []
    for weights, bias, _ in case["layers"]:
        params.append(torch.tensor(weights, requires_grad=True))
        params.append(torch.tensor(bias, requires_grad=True))
    loss = loss_of(params, case)
    loss.backward()
    print(f"// {label}: loss {loss.item()!r}")
    named = []
    w_number, b_number = 1, 1
    for index in range(len(case["layers"])):
        w = params[2 * index]
        for row in range(w.shape[0]):
            for col in range(w.shape[1]):
                named.append((f"W{w_number}", 2 * index, (row, col)))
                w_number += 1
    for index in range(len(case["layers"])):
        b = params[2 * index + 1]
        for row in range(b.shape[0]):
            named.append((f"b{b_number}", 2 * index + 1, (row,)))
            b_number += 1
    for name, which, at in named:
        grad = params[which].grad[at].item()
        with torch.no_grad():
            base = [p.detach().clone() for p in params]
            value = base[which][at].item()
            h = STEP * max(1.0, abs(value))
            up, down = value + h, value - h
            base[which][at] = up
            e_up = loss_of(base, case).item()
            base[which][at] = down
            e_down = loss_of(base, case).item()
            numeric = (e_up - e_down) / (up - down)
        print(f'    ("{name}", {grad!r}, {numeric!r}),')


report("network A (tanh, softmax, cross-entropy)", A)
report("network B (sigmoid, sigmoid, sse)", B)
