#!/usr/bin/env python3
"""Reference numbers for the tests that kill cargo-mutants' survivors (docs/mutants.md).

mlp-core (crates/mlp-core/src/mutants_tests.rs): small networks whose weights, biases, inputs
and targets follow integer formulas (exact in both languages), run through PyTorch autograd in
float64. Per layer and per sample: z, a, dE/da, da/dz (autograd of f on z), dE/dz; the batch
gradients (mean over samples) and each sample's loss.

Every matrix is printed column-major, one column per sample (or, for weight gradients, one
column per input), the order of nalgebra's `as_slice`. Run: python3 tests/reference/mutants.py
"""
import torch

torch.set_default_dtype(torch.float64)


def value(k, modulus, offset, scale):
    """The k-th parameter or input: ((7 k + offset) mod modulus − modulus // 2) / scale."""
    return ((7 * k + offset) % modulus - modulus // 2) / scale


def weights(layer, n_outputs, n_inputs):
    # Column-major index k = from * n_outputs + to, as in the Rust helper.
    w = torch.zeros(n_outputs, n_inputs)
    for to in range(n_outputs):
        for frm in range(n_inputs):
            w[to, frm] = value(frm * n_outputs + to + 31 * layer, 17, 3, 10.0)
    return w


def bias(layer, n_outputs):
    return torch.tensor([value(k + 13 * layer, 11, 5, 20.0) for k in range(n_outputs)])


def inputs(n_inputs, batch):
    x = torch.zeros(n_inputs, batch)
    for s in range(batch):
        for i in range(n_inputs):
            x[i, s] = value(s * n_inputs + i, 13, 1, 4.0)
    return x


ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky": lambda z: torch.nn.functional.leaky_relu(z, 0.1),
    "softmax": lambda z: torch.softmax(z, dim=0),
}


def sample_loss(loss, output, z, o, t):
    """E of one sample (column vectors)."""
    if loss == "sse":
        return (0.5 * (t - o) ** 2).sum()
    if loss == "mse":
        return ((t - o) ** 2).mean()
    if output == "softmax":
        return -(t * torch.log_softmax(z, dim=0)).sum()
    return torch.nn.functional.binary_cross_entropy_with_logits(z, t, reduction="sum")


def loss_of_outputs(loss, o, t):
    """E as a function of the output activations: what ∂E/∂a is the gradient of."""
    if loss == "sse":
        return (0.5 * (t - o) ** 2).sum()
    if loss == "mse":
        return ((t - o) ** 2).mean()
    return -(t * torch.log(o) + (1 - t) * torch.log(1 - o)).sum()


def rust(matrix):
    values = matrix.detach().t().reshape(-1).tolist()
    return "&[" + ", ".join(repr(v) for v in values) + "]"


def case(name, sizes, activations, has_bias, loss, batch, targets, factors=True):
    """Prints one `Case` constant; without `factors`, only the loss and the gradients."""
    layers = []
    for layer in range(len(sizes) - 1):
        w = weights(layer, sizes[layer + 1], sizes[layer]).requires_grad_()
        b = bias(layer, sizes[layer + 1]).requires_grad_() if has_bias else None
        layers.append((w, b))
    x = inputs(sizes[0], batch)
    t = torch.tensor(targets).reshape(batch, sizes[-1]).t()

    zs, as_ = [], []
    a = x
    for (w, b), act in zip(layers, activations):
        z = w @ a + (b[:, None] if b is not None else 0)
        z.retain_grad()
        # Away from the kink of ReLU at 0, where the two sides' rounding could disagree.
        assert act not in ("relu", "leaky") or z.abs().min() > 1e-6, name
        a = ACTIVATIONS[act](z)
        a.retain_grad()
        zs.append(z)
        as_.append(a)
    losses = torch.stack(
        [sample_loss(loss, activations[-1], zs[-1][:, s], as_[-1][:, s], t[:, s])
         for s in range(batch)]
    )
    # Σ_s E_s: its gradient with respect to sample s's z and a is that sample's own ∂E_s.
    losses.sum().backward()
    print(f"/// sizes {sizes}, {activations}, bias {has_bias}, {loss}, batch {batch}.")
    print(f"pub(super) const {name.upper()}: Case = Case {{")
    print(f"    sizes: &{sizes},")
    print(f"    activations: &[{', '.join(RUST[a] for a in activations)}],")
    print(f"    bias: {'true' if has_bias else 'false'},")
    print(f"    loss: {RUST[loss]},")
    print(f"    batch: {batch},")
    print(f"    targets: &[{', '.join(repr(float(v)) for v in targets)}],")
    print(f"    loss_value: {losses.mean().item()!r},")
    print(f"    sample_losses: {rust(losses[None, :])},")
    print("    layers: &[")
    for layer, ((w, b), act, z, a) in enumerate(zip(layers, activations, zs, as_)):
        print("        LayerCase {")
        last = layer == len(layers) - 1
        if factors:
            if last:
                o = a.detach().clone().requires_grad_()
                per_sample = sum(loss_of_outputs(loss, o[:, s], t[:, s]) for s in range(batch))
                (de_da,) = torch.autograd.grad(per_sample, o)
            else:
                de_da = a.grad
            if act != "softmax":
                zz = z.detach().clone().requires_grad_()
                (da_dz,) = torch.autograd.grad(ACTIVATIONS[act](zz).sum(), zz)
            print(f"            z: {rust(z)},")
            print(f"            a: {rust(a)},")
            print(f"            de_da: {rust(de_da)},")
            print(f"            da_dz: {rust(da_dz) if act != 'softmax' else '&[]'},")
            print(f"            de_dz: {rust(z.grad)},")
        else:
            print("            z: &[],\n            a: &[],\n            de_da: &[],")
            print("            da_dz: &[],\n            de_dz: &[],")
        # The batch gradient is the mean over samples: Σ_s gives B times it.
        print(f"            gw: {rust(w.grad / batch)},")
        print(f"            gb: {rust(b.grad[None, :] / batch) if b is not None else '&[]'},")
        print("        },")
    print("    ],")
    print("};")
    print()


RUST = {
    "identity": "Activation::Identity",
    "sigmoid": "Activation::Sigmoid",
    "tanh": "Activation::Tanh",
    "relu": "Activation::Relu",
    "leaky": "Activation::LeakyRelu { slope: 0.1 }",
    "softmax": "Activation::Softmax",
    "sse": "Loss::HalfSumSquared",
    "mse": "Loss::MeanSquared",
    "cross-entropy": "Loss::CrossEntropy",
}



def optimizers():
    """mlp-train (crates/mlp-train/src/mutants_tests.rs): three steps of each optimizer on a
    3-2-1 network (layer 1 with biases, layer 2 without), the gradients of step t given by a
    formula, L2 decay on the weights only (a parameter group of its own for the biases), and
    the learning rates of PyTorch's StepLR and ExponentialLR."""
    def initial():
        w1 = torch.tensor([[value(f * 2 + t, 17, 3, 10.0) for f in range(3)] for t in range(2)])
        b1 = torch.tensor([value(k, 11, 5, 20.0) for k in range(2)])
        w2 = torch.tensor([[value(f + 31, 17, 3, 10.0) for f in range(2)]])
        return [p.requires_grad_() for p in (w1, b1, w2)]

    def gradient(step, block, shape):
        # Column-major index k within the block, as `blocks_mut` walks it.
        g = torch.zeros(shape)
        rows = shape[0]
        for k in range(g.numel()):
            value_k = value(k + 5 * block + 3 * step, 19, 2, 8.0)
            if len(shape) == 1:
                g[k] = value_k
            else:
                g[k % rows, k // rows] = value_k
        return g

    def run(make):
        params = initial()
        w1, b1, w2 = params
        optimizer = make([{"params": [w1, w2], "weight_decay": 0.05},
                          {"params": [b1], "weight_decay": 0.0}])
        steps = []
        for step in range(1, 4):
            for block, p in enumerate(params):
                p.grad = gradient(step, block, p.shape)
            optimizer.step()
            steps.append([x for p in params for x in p.detach().t().reshape(-1).tolist()])
        return steps

    rules = [
        ("SGD", lambda g: torch.optim.SGD(g, lr=0.1)),
        ("MOMENTUM", lambda g: torch.optim.SGD(g, lr=0.1, momentum=0.9)),
        ("NESTEROV", lambda g: torch.optim.SGD(g, lr=0.1, momentum=0.8, nesterov=True)),
        ("ADAM", lambda g: torch.optim.Adam(g, lr=0.1, betas=(0.9, 0.999), eps=1e-8)),
        ("ADAM_ODD", lambda g: torch.optim.Adam(g, lr=0.1, betas=(0.5, 0.75), eps=0.1)),
    ]
    print("// Generated by tests/reference/mutants.py (PyTorch 2, float64): do not edit.")
    print("// Parameters after steps 1, 2 and 3: W1 (column-major), b1, W2, as `parameter_blocks`.")
    print()
    for name, make in rules:
        steps = run(make)
        print(f"pub(super) const {name}: [[f64; 10]; 3] = [")
        for values in steps:
            print(f"    [{', '.join(repr(v) for v in values)}],")
        print("];")

    def rates(make):
        parameter = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.SGD([parameter], lr=0.1)
        scheduler = make(optimizer)
        out = []
        for _ in range(8):
            out.append(scheduler.get_last_lr()[0])
            optimizer.step()
            scheduler.step()
        return out

    print("/// η of epochs 1 to 8, base 0.1: StepLR(step_size=3, gamma=0.5).")
    step = rates(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5))
    print(f"pub(super) const STEP_LR: [f64; 8] = [{', '.join(repr(v) for v in step)}];")
    print("/// η of epochs 1 to 8, base 0.1: ExponentialLR(gamma=0.9).")
    exp = rates(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9))
    print(f"pub(super) const EXPONENTIAL_LR: [f64; 8] = [{', '.join(repr(v) for v in exp)}];")


def core():
    print("// Generated by tests/reference/mutants.py (PyTorch autograd, float64): do not edit.")
    print("// Matrices column-major, one column per sample (weight gradients: one per input).")
    print()
    print("use super::{Case, LayerCase};")
    print("use crate::{Activation, Loss};")
    print()
    case("softmax_mse", [3, 4, 2, 3], ["tanh", "leaky", "softmax"], True, "mse", 3,
         [0.2, 0.5, 0.3, 1.0, 0.0, 0.0, 0.1, 0.1, 0.8])
    case("sigmoid_cross_entropy", [3, 4, 2], ["relu", "sigmoid"], True, "cross-entropy", 3,
         [1.0, 0.0, 0.25, 1.0, 0.0, 0.75])
    case("softmax_cross_entropy", [2, 3, 3], ["sigmoid", "softmax"], False, "cross-entropy", 2,
         [0.2, 0.5, 0.6, 0.0, 1.0, 0.0])
    case("identity_sse", [2, 3, 2], ["leaky", "identity"], True, "sse", 2,
         [0.4, -0.6, 1.5, 0.25])
    case("sigmoid_mse", [3, 2, 2], ["tanh", "sigmoid"], False, "mse", 2,
         [0.25, 0.75, 1.0, 0.0])
    case("relu_sse", [2, 3, 3], ["sigmoid", "relu"], True, "sse", 3,
         [0.5, 0.0, 1.5, 0.25, 1.0, 0.0, 0.0, 0.75, 2.0])
    case("large_tanh_sse", [7, 8, 6], ["tanh", "identity"], True, "sse", 7,
         [((7 * k) % 9 - 4) / 8.0 for k in range(42)], factors=False)
    case("large_relu_softmax_mse", [6, 7, 6], ["relu", "softmax"], True, "mse", 6,
         [((5 * k) % 7) / 7.0 for k in range(36)], factors=False)
    # Large layers with batches of 5 and 2: the products below nalgebra's threshold.
    case("large_batch_of_5", [7, 8, 6], ["tanh", "identity"], True, "sse", 5,
         [((7 * k) % 9 - 4) / 8.0 for k in range(30)], factors=False)
    case("large_batch_of_2", [6, 6, 6], ["sigmoid", "softmax"], True, "cross-entropy", 2,
         [1.0 if k % 7 == 0 else 0.0 for k in range(12)], factors=False)
    case("large_sigmoid_cross_entropy", [6, 6, 6, 6], ["leaky", "sigmoid", "softmax"], True,
         "cross-entropy", 6, [1.0 if k % 7 == 0 else 0.0 for k in range(36)], factors=False)


    def scalars():
        """Cross-entropy far from zero, where an unstable formula overflows."""
        z = torch.tensor([1000.0, 1001.0, 999.0])
        t = torch.tensor([0.5, 1.0, 0.0])
        print("/// −Σ t ln softmax(z) for z = (1000, 1001, 999), t = (0.5, 1, 0).")
        print(f"pub(super) const SOFTMAX_CROSS_ENTROPY_LARGE: f64 = {(-(t * torch.log_softmax(z, 0)).sum()).item()!r};")
        z = torch.tensor([40.0, -40.0, 0.5, -750.0])
        t = torch.tensor([0.0, 1.0, 0.3, 0.2])
        value = torch.nn.functional.binary_cross_entropy_with_logits(z, t, reduction="sum")
        print("/// Σ binary cross-entropy with logits for z = (40, −40, 0.5, −750), t = (0, 1, 0.3, 0.2).")
        print(f"pub(super) const SIGMOID_CROSS_ENTROPY_LARGE: f64 = {value.item()!r};")


    scalars()


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["mlp-core"]:
        core()
    elif sys.argv[1:] == ["mlp-train"]:
        optimizers()
    else:
        sys.exit("usage: mutants.py mlp-core > crates/mlp-core/src/mutants_tests/reference.rs\n"
                 "       mutants.py mlp-train > crates/mlp-train/src/mutants_tests/reference.rs")
