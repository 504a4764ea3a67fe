#!/usr/bin/env python3
"""XOR trained by full-batch gradient descent in PyTorch, independently of mlp.

The expected numbers of tests/library_api.rs for crates/mlp-core/examples/training_loop.rs
come from this computation: the same 2-3-1 network (tanh hidden layer, sigmoid output, biases),
the same starting weights, loss mean((t - o)^2) over the four samples, learning rate 1.0.
The loss at epoch e is the loss after e updates. Run: python3 tests/reference/training_loop.py
"""
import torch

torch.set_default_dtype(torch.float64)
print("torch", torch.__version__)

X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
T = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
# Rows are the neuron fed, columns the input it comes from.
W1 = torch.tensor([[0.5, -0.4], [0.3, 0.8], [-0.7, 0.6]], requires_grad=True)
b1 = torch.tensor([0.1, -0.2, 0.05], requires_grad=True)
W2 = torch.tensor([[0.6, -0.5, 0.7]], requires_grad=True)
b2 = torch.tensor([0.0], requires_grad=True)
learning_rate = 1.0
epochs = 1000

for epoch in range(epochs + 1):
    h = torch.tanh(X @ W1.T + b1)
    o = torch.sigmoid(h @ W2.T + b2)
    loss = ((T - o) ** 2).mean()
    if epoch % 100 == 0:
        print("epoch %d loss %r" % (epoch, loss.item()))
    if epoch == epochs:
        break
    for p in (W1, b1, W2, b2):
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in (W1, b1, W2, b2):
            p -= learning_rate * p.grad

print("outputs", ", ".join(repr(v) for v in o.detach().flatten().tolist()))
