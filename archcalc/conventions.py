"""Counting conventions, stated once. docs/conventions.md explains them in prose.

- params: trainable parameters (weights, biases, BatchNorm scale and shift) — what
  torchvision's ``num_params`` and ``sum(p.numel() for p in model.parameters())`` count.
- buffers: non-trainable state (BatchNorm running mean and variance). Keras's "Total params"
  is params + buffers.
- weights: params without biases or normalisation parameters — the lecture tables' count
  ("not counting biases").
- MACs: multiply-accumulates of convolution and fully connected layers only. One fused
  multiply-add is one MAC. torchvision's published "GFLOPS" and the lectures' "ops" are MACs.
- FLOPs: ``FLOPS_PER_MAC`` × MACs. Everything else (pooling window reads, activations, adds,
  normalisation) is counted separately under its own label and never mixed into MACs; each layer
  class declares the labels it produces (``other_op_labels``), and
  :func:`archcalc.layers.base.other_op_labels` collects them.
- activations: elements a layer newly allocates for its output; the input is a row too. In-place
  element-wise layers and views allocate nothing. Bytes = elements × dtype size.
- MACs, other ops and activations are for the whole batch; params do not depend on the batch.
"""

from __future__ import annotations

FLOPS_PER_MAC = 2

#: Bytes per element for the dtypes a user can choose with --dtype.
DTYPE_BYTES: dict[str, int] = {
    "fp64": 8, "float64": 8,
    "fp32": 4, "float32": 4,
    "fp16": 2, "float16": 2, "bf16": 2, "bfloat16": 2,
    "int8": 1, "uint8": 1,
}

#: How a layer's output is stored.
NEW = "new"          # a freshly allocated tensor: counts as activations
IN_PLACE = "inplace"  # overwrites its input (ReLU(inplace=True), dropout at inference)
VIEW = "view"        # a different view of the same memory (flatten, identity)

def dtype_bytes(name: str) -> int:
    try:
        return DTYPE_BYTES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown dtype {name!r}; expected one of {', '.join(sorted(DTYPE_BYTES))}") from None
