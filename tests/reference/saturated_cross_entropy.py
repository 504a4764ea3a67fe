"""Reference numbers for a saturated sigmoid output under binary cross-entropy
(tests/factors.rs, crates/mlp-train/src/explain/tests.rs,
crates/mlp-cli/tests/cli/library_explain.rs).

The network: x1 -> h1 = identity(W1 x1) -> (o1, o2) = sigmoid((W2 h1, W3 h1)), no biases,
W1 = 1, W2 = W3 = 40, x1 = 1, targets (t1, t2) = (0, 1); E = sum over outputs of the binary
cross-entropy (PyTorch's BCEWithLogitsLoss with reduction="sum"), one sample, and one plain
gradient step with learning rate 0.5. z3 = z4 = 40: sigmoid(40) = 1 - 4.2e-18 rounds to 1 in
f64 and f32, so dE/do = (o - t) / (o (1 - o)) is inf for t1 = 0 and NaN for t2 = 1, while
dE/dz = o - t is exact. Autograd gives every number below in both precisions.

Run: python3 tests/reference/saturated_cross_entropy.py
"""

import torch

print("torch", torch.__version__)
for dtype in (torch.float64, torch.float32):
    x = torch.tensor([[1.0]], dtype=dtype)
    t = torch.tensor([[0.0, 1.0]], dtype=dtype)
    w1 = torch.tensor([[1.0]], dtype=dtype, requires_grad=True)
    w_out = torch.tensor([[40.0], [40.0]], dtype=dtype, requires_grad=True)
    z1 = x @ w1.T
    z1.retain_grad()
    h1 = z1  # identity
    z_out = h1 @ w_out.T
    z_out.retain_grad()
    o = torch.sigmoid(z_out)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z_out, t, reduction="sum")
    loss.backward()
    print(dtype)
    print("o1 o2", repr(o[0, 0].item()), repr(o[0, 1].item()))
    print("E", repr(loss.item()))
    print("dE_dz3 dE_dz4", repr(z_out.grad[0, 0].item()), repr(z_out.grad[0, 1].item()))
    print("dE_dz1 (= dE_dh1)", repr(z1.grad[0, 0].item()))
    print("dE_dW1", repr(w1.grad[0, 0].item()))
    print("dE_dW2 dE_dW3", repr(w_out.grad[0, 0].item()), repr(w_out.grad[1, 0].item()))
    with torch.no_grad():
        print("W1+", repr((w1 - 0.5 * w1.grad)[0, 0].item()))
        print("W2+ W3+", repr((w_out - 0.5 * w_out.grad)[0, 0].item()),
              repr((w_out - 0.5 * w_out.grad)[1, 0].item()))
    # The split factors, as mlp-core computed them before they were fused away.
    with torch.no_grad():
        de_do = (o - t) / (o * (1 - o))
        do_dz = o * (1 - o)
        print("split dE_do", [repr(v) for v in de_do[0].tolist()],
              "do_dz", [repr(v) for v in do_dz[0].tolist()])
