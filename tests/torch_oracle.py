"""Parameters and multiply-adds of a hand-written PyTorch module, measured with forward hooks.

The counting rule is archcalc's (docs/conventions.md) applied to what torch actually runs:
a convolution costs output elements × (C_in / groups) × ∏kernel, a transposed convolution
input elements × (C_out / groups) × ∏kernel, a linear layer its weight's size per input row.
Nothing else is counted. Parameters are ``sum(p.numel() for p in module.parameters())``.
Build large networks under ``with torch.device("meta"):``: shapes and counts without memory or time.
"""

from __future__ import annotations

import math

import torch
from torch import nn

_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_TRANSPOSED = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def measure(module: nn.Module, input_shape: tuple) -> tuple[int, int, tuple]:
    """(params, MACs, output shape without the batch) for one sample of ``input_shape``."""
    macs = 0

    def count(layer, inputs, output):
        nonlocal macs
        if isinstance(layer, _CONV):
            macs += output.numel() * layer.in_channels // layer.groups * math.prod(layer.kernel_size)
        elif isinstance(layer, _TRANSPOSED):
            macs += inputs[0].numel() * layer.out_channels // layer.groups * math.prod(layer.kernel_size)
        elif isinstance(layer, nn.Linear):
            macs += inputs[0].numel() // layer.in_features * layer.weight.numel()

    hooks = [m.register_forward_hook(count) for m in module.modules() if isinstance(m, (*_CONV, *_TRANSPOSED, nn.Linear))]
    try:
        with torch.no_grad():
            device = next(module.parameters()).device
            output = module.eval()(torch.zeros(1, *input_shape, device=device))
    finally:
        for hook in hooks:
            hook.remove()
    params = sum(p.numel() for p in module.parameters())
    return params, macs, tuple(output.shape[1:])
