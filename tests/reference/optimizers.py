#!/usr/bin/env python3
"""Reference trajectories for mlp's optimizer options (issue 14, item 4): torch float64.

The 2-3-2 network of training.py ("optimizers"): tanh hidden layer, identity output, biases,
MSE (mean over outputs, mean over the batch of 4), each step on the whole batch, 12 steps.
Prints, per case, the 17 parameters after 12 steps in mlp's order: W1 row-major (3x2), b1,
W2 row-major (2x3), b2 -- as the Rust arrays tests/optimizers.rs holds.

Conventions mapped:
- mlp's --l2 is a coupled decay g <- g + l2 w: torch's plain weight_decay of SGD, Adam and
  RMSprop. It decays weights only unless --decay-biases: the biases go in a param group with
  weight_decay 0, or (decay_biases) every parameter is in one group.
- torch.optim.AdamW's weight_decay is decoupled (p <- p (1 - lr wd) before the Adam update);
  AdamW has no coupled L2, so mlp's --l2 beside it is added to the gradients by hand here
  (p.grad += l2 p before optimizer.step(), which is what g <- g + l2 w means).
- Frozen biases: left out of the optimizer (torch never moves them).
"""
import torch

torch.set_default_dtype(torch.float64)
print("# torch", torch.__version__)

xs = torch.tensor([[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, 2.0]])
ts = torch.tensor([[0.3, -0.2], [0.9, 0.4], [-0.5, 0.7], [0.05, -1.3]])
init = {
    "w1": torch.tensor([[0.4, -0.3], [0.25, 0.9], [-0.6, 0.15]]),
    "b1": torch.tensor([0.1, -0.2, 0.05]),
    "w2": torch.tensor([[0.7, -0.45, 0.3], [-0.35, 0.6, 0.8]]),
    "b2": torch.tensor([0.2, -0.1]),
}
STEPS = 12


def trajectory(make, l2=0.0, decay_biases=False, manual_l2=False, frozen_biases=False):
    """make(groups) builds the optimizer; l2 is the coupled decay (torch's weight_decay in the
    groups, or added to the gradients by hand when manual_l2)."""
    p = {key: value.clone().requires_grad_(True) for key, value in init.items()}
    weights, biases = [p["w1"], p["w2"]], [p["b1"], p["b2"]]
    group_l2 = 0.0 if manual_l2 else l2
    if frozen_biases:
        groups = [{"params": weights}]
    elif decay_biases:
        groups = [{"params": weights + biases}]
    else:
        groups = [{"params": weights}, {"params": biases, "no_bias_decay": True}]
    optimizer = make(groups)
    for group in optimizer.param_groups:
        if group.pop("no_bias_decay", False):
            group["weight_decay"] = 0.0
        elif not manual_l2 and "weight_decay" in group and make.__name__ != "adamw":
            group["weight_decay"] = group_l2
    decayed = weights + (biases if decay_biases else [])
    for _ in range(STEPS):
        optimizer.zero_grad()
        hidden = torch.tanh(xs @ p["w1"].T + p["b1"])
        out = hidden @ p["w2"].T + p["b2"]
        loss = ((ts - out) ** 2).mean(1).mean()
        loss.backward()
        if manual_l2:
            with torch.no_grad():
                for param in decayed:
                    param.grad += l2 * param
        optimizer.step()
    return [value for key in ["w1", "b1", "w2", "b2"] for value in p[key].detach().reshape(-1).tolist()]


def show(name, values):
    print(f"// {name}")
    print("[" + ", ".join(repr(v) for v in values) + "]")


def sgd(groups):
    return torch.optim.SGD(groups, lr=0.1)


def momentum(groups):
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def adam(groups):
    return torch.optim.Adam(groups, lr=0.01)


def adam_odd(groups):
    return torch.optim.Adam(groups, lr=0.01, betas=(0.8, 0.95), eps=1e-3)


def rmsprop(groups):
    return torch.optim.RMSprop(groups, lr=0.01)


def rmsprop_odd(groups):
    return torch.optim.RMSprop(groups, lr=0.01, alpha=0.9, eps=1e-3)


def adamw_factory(decay_biases):
    # AdamW's own weight_decay (decoupled) 0.5: on the weights only, or (decay_biases) on
    # every parameter as torch's one param group does.
    def adamw(groups):
        optimizer = torch.optim.AdamW(groups, lr=0.01, betas=(0.85, 0.99), eps=1e-7, weight_decay=0.5)
        return optimizer

    adamw.__name__ = "adamw"
    return adamw


cases = [
    ("adam beta1 0.8 beta2 0.95 eps 1e-3, lr 0.01, l2 0.01 weights", adam_odd, dict(l2=0.01)),
    ("rmsprop defaults, lr 0.01, l2 0.01 weights", rmsprop, dict(l2=0.01)),
    ("rmsprop alpha 0.9 eps 1e-3, lr 0.01, no l2", rmsprop_odd, dict()),
    ("adamw b 0.85 0.99 eps 1e-7 wd 0.5, lr 0.01, weights only, no l2", adamw_factory(False), dict(manual_l2=True)),
    ("adamw ... wd 0.5, decay_biases, no l2", adamw_factory(True), dict(decay_biases=True, manual_l2=True)),
    ("adamw ... wd 0.5, weights only, l2 0.01", adamw_factory(False), dict(l2=0.01, manual_l2=True)),
    ("adamw ... wd 0.5, decay_biases, l2 0.01", adamw_factory(True), dict(l2=0.01, decay_biases=True, manual_l2=True)),
    ("sgd lr 0.1, l2 0.01, decay_biases", sgd, dict(l2=0.01, decay_biases=True)),
    ("momentum 0.9 lr 0.1, l2 0.01, decay_biases", momentum, dict(l2=0.01, decay_biases=True)),
    ("adam defaults lr 0.01, l2 0.01, decay_biases", adam, dict(l2=0.01, decay_biases=True)),
    ("adamw ... wd 0.5, decay_biases, l2 0.01, biases frozen", adamw_factory(True), dict(l2=0.01, decay_biases=True, manual_l2=True, frozen_biases=True)),
]
for name, make, options in cases:
    show(name, trajectory(make, **options))
