"""Learning-rate schedules computed by PyTorch's own schedulers, for mlp's `--lr-schedule` and
`--warmup` (crates/mlp-train/src/schedule.rs, tests).

Each schedule is stepped once per epoch, as a training loop does: the rate of epoch e (1-based)
is the optimizer's `lr` while epoch e runs, read before the e-th `scheduler.step()`. Float64
throughout (Python floats). Every rate is printed with repr.

- StepLR, ExponentialLR, CosineAnnealingLR (eta_min 0, run past T_max: the rate comes back up);
- ReduceLROnPlateau(mode="min", factor, patience), PyTorch's other defaults (threshold 1e-4
  relative, eps 1e-8, cooldown 0, min_lr 0), fed fixed sequences of losses: ties, improvements
  below the threshold, several reductions, and reductions stopping below eps;
- a linear warm-up of W epochs, LinearLR(start_factor=1/W, total_iters=W-1), chained with each
  schedule by ChainedScheduler (both multiply the optimizer's rate by their own factor each
  step, so the rate is the product of the two factors: schedule x min(e, W)/W); with
  ReduceLROnPlateau, which ChainedScheduler cannot step (it needs the loss), the two are stepped
  one after the other by hand, which is the same product.

PyTorch steps its schedulers recursively (each step multiplies the current rate by a ratio);
mlp computes the closed form. Both are printed with the largest relative difference between
them, which the Rust tests use as their tolerance.

Run: python3 tests/reference/schedules.py
"""
import math
import warnings

import torch
from torch.optim import SGD
from torch.optim.lr_scheduler import (
    ChainedScheduler,
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    ReduceLROnPlateau,
    StepLR,
)

print("torch", torch.__version__)
# No optimizer step is taken: only the rates are read.
warnings.filterwarnings("ignore", message="Detected call of")

BASE = 0.1
EPOCHS = 25


def optimizer():
    return SGD([torch.zeros(1, dtype=torch.float64, requires_grad=True)], lr=BASE)


def rates_of(make, epochs=EPOCHS, losses=None):
    """The rate of epochs 1..epochs; `make` builds the scheduler(s) on a fresh optimizer and
    returns a function stepping them at the end of an epoch (given its loss)."""
    opt = optimizer()
    step = make(opt)
    rates = []
    for epoch in range(epochs):
        rates.append(opt.param_groups[0]["lr"])
        step(None if losses is None else losses[epoch])
    return rates


def plain(cls, *args):
    def make(opt):
        scheduler = cls(opt, *args)
        return lambda loss: scheduler.step()

    return make


def warmed(w, cls, *args):
    def make(opt):
        linear = LinearLR(opt, start_factor=1 / w, total_iters=w - 1)
        chained = ChainedScheduler([linear, cls(opt, *args)])
        return lambda loss: chained.step()

    return make


def plateau(patience, factor, w=None):
    def make(opt):
        linear = LinearLR(opt, start_factor=1 / w, total_iters=w - 1) if w else None
        scheduler = ReduceLROnPlateau(opt, mode="min", factor=factor, patience=patience)

        def step(loss):
            if linear:
                linear.step()
            scheduler.step(loss)

        return step

    return make


# The closed forms mlp computes (schedule.rs), in the same operations.
def closed(kind, *args, w=0):
    def rate(e):
        t = e - 1
        if kind == "constant":
            r = BASE
        elif kind == "step":
            every, gamma = args
            r = BASE * math.pow(gamma, t // every)
        elif kind == "exponential":
            (gamma,) = args
            r = BASE * math.pow(gamma, t)
        elif kind == "cosine":
            (t_max,) = args
            r = BASE * (1.0 + math.cos(math.pi * t / t_max)) / 2.0
        if w > 1 and e < w:
            r = r * (e / w)
        return r

    return [rate(e) for e in range(1, EPOCHS + 1)]


def show(name, rates, reference=None):
    print(f"\n# {name}")
    print("[" + ", ".join(repr(r) for r in rates) + "]")
    if reference is not None:
        worst = max(
            (abs(a - b) / max(abs(a), abs(b)) if a != b else 0.0) for a, b in zip(rates, reference)
        )
        print(f"closed form vs torch: largest relative difference {worst!r}")


W = 3
for name, cls, args, kind in [
    ("StepLR(step_size=3, gamma=0.5)", StepLR, (3, 0.5), "step"),
    ("ExponentialLR(gamma=0.9)", ExponentialLR, (0.9,), "exponential"),
    ("CosineAnnealingLR(T_max=10)", CosineAnnealingLR, (10,), "cosine"),
]:
    torch_rates = rates_of(plain(cls, *args))
    show(name, torch_rates, closed(kind, *args))
    torch_rates = rates_of(warmed(W, cls, *args))
    show(f"LinearLR(1/{W}, {W - 1}) + {name}", torch_rates, closed(kind, *args, w=W))

show("LinearLR(1/3, 2) alone (constant)", rates_of(warmed(W, StepLR, 1, 1.0)), closed("constant", w=W))

# Warm-up outlasting the cosine's first period: PyTorch's cosine adds base_lr (1 - cos(pi/T))/2
# at (e - 2 - T_max) % (2 T_max) == 0 instead of multiplying, which a chain does not scale.
show(
    "LinearLR(1/5, 4) + CosineAnnealingLR(T_max=2) (warm-up past T_max)",
    rates_of(warmed(5, CosineAnnealingLR, 2), epochs=10),
)
print("closed form", [closed("cosine", 2, w=5)[e] for e in range(10)])

# Reduce on plateau. Patience 2, factor 0.5; best * (1 - 1e-4) is the bar to beat.
LOSSES = [
    1.0, 0.8, 0.8,  # a tie: bad epoch 1
    0.79995,  # 0.8 * (1 - 1e-4) = 0.79992: not below, bad epoch 2
    0.7999,  # below the bar: improved, best 0.7999
    0.9, 0.85, 0.7999,  # bad 1, 2, 3 (a tie) > 2: reduced to 0.05 after epoch 8
    0.5, 0.5, 0.5, 0.5,  # improved, then bad 1, 2, 3: reduced to 0.025 after epoch 12
    0.49999, 0.5, 0.5,  # 0.49999 is above 0.5 * (1 - 1e-4) = 0.49995: bad 1, 2, 3 (the
    # counter restarted at 0 after the reduction): reduced to 0.0125 after epoch 15
    0.5, 0.4, 0.4, 0.4, 0.4,  # bad 1, improved, bad 1, 2, 3: 0.00625 after epoch 20
    0.4, 0.4, 0.4, 0.4, 0.4,  # bad 4, 5, 6: 0.003125 after epoch 23
]
assert len(LOSSES) == EPOCHS
print("\n# losses fed to ReduceLROnPlateau")
print("[" + ", ".join(repr(v) for v in LOSSES) + "]")
show("ReduceLROnPlateau(patience=2, factor=0.5)", rates_of(plateau(2, 0.5), losses=LOSSES))
show(
    f"LinearLR(1/{W}, {W - 1}) then ReduceLROnPlateau(patience=2, factor=0.5)",
    rates_of(plateau(2, 0.5, W), losses=LOSSES),
)
FLAT = [1.0] * 12
show("ReduceLROnPlateau(patience=0, factor=0.1), constant loss (eps stops it at 1e-8)",
     rates_of(plateau(0, 0.1), epochs=12, losses=FLAT))
NAN_FIRST = [float("nan"), 1.0, 1.0, 0.5, 0.5]
show("ReduceLROnPlateau(patience=1, factor=0.5), a NaN loss first",
     rates_of(plateau(1, 0.5), epochs=5, losses=NAN_FIRST))
