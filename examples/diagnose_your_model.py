"""Point initspec's diagnostics at a model of your own: python examples/diagnose_your_model.py"""

import torch
from torch import nn
from torch.nn import functional as F

from initspec.plotting.diagnostics import (
    plot_activation_histograms,
    plot_gradient_histograms,
    plot_update_ratios,
)
from initspec.training.diagnostics import Diagnostics, find_problems

torch.manual_seed(0)
# Any nn.Module: here a small conv net with a deliberately bad init (tanh, weights x 3).
model = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1),
    nn.Tanh(),
    nn.Conv2d(8, 8, 3, padding=1),
    nn.Tanh(),
    nn.Flatten(),
    nn.Linear(8 * 8 * 8, 10),
)
with torch.no_grad():
    for conv in (model[0], model[2]):
        conv.weight.mul_(3.0)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(32, 1, 8, 8), torch.randint(0, 10, (32,))

with Diagnostics(model, activation_types=(nn.Tanh, nn.ReLU)) as diag:
    for _ in range(100):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        diag.record_update_ratios(lr=0.1)  # log10(lr * std(grad) / std(param)) per weight
        optimizer.step()
    for layer in diag.layer_stats():  # the last batch, per activation layer
        print(
            f"{layer.name} {layer.kind}: std {layer.std:.2f}, saturated "
            f"{100 * layer.saturation:.1f}%, dead {100 * layer.dead_fraction:.1f}%, "
            f"grad std {layer.grad_std:.2e}"
        )
    for finding in find_problems(diag.layer_stats()):
        print("flag:", finding.layer, finding.problem, round(finding.value, 3))
    plot_activation_histograms("activations.png", diag.outputs)
    plot_gradient_histograms("gradients.png", diag.gradients())
    plot_update_ratios("update_ratio.png", diag.update_history)
# Detached on exit: no hooks remain and the model runs exactly as before.
