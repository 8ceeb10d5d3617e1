"""The sliding-window arithmetic shared by convolution and pooling — written once, for 1, 2 or 3
spatial dimensions.

Output size per axis (PyTorch, ONNX and the lecture notes agree)::

    out = (size + pad_before + pad_after − dilation·(kernel − 1) − 1) / stride + 1

When the division is not exact, ``rounding`` decides: ``exact`` (the default) refuses and shows
the arithmetic, ``floor`` drops the incomplete last window (PyTorch's default), ``ceil`` keeps
it as PyTorch's ``ceil_mode=True`` does — except that a last window starting beyond the input
and the leading padding is dropped. In ceil mode a window larger than the padded input still
gives one output when it starts inside the input (PyTorch: ``MaxPool2d(3, 2, ceil_mode=True)``
on 2×2 gives 1×1).

'same' padding follows TensorFlow: output = ceil(size / stride) whatever the rounding, the total
padding needed is split with the extra pixel after (bottom/right); 'valid' is no padding.

A size setting is one integer for every spatial axis or a list of one per axis; explicit padding
is one integer, one per axis (both sides), or (before, after) per axis — the 2-D four-value form
is [top, bottom, left, right].
"""

from __future__ import annotations

import numpy as np

from .base import rule_error

#: The names of the spatial axes, by number of spatial dimensions.
AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def per_axis(value, dims: int, what: str) -> tuple:
    """One entry per spatial axis: an integer repeated, or a list that has one value per axis."""
    if not isinstance(value, tuple):
        return (value,) * dims
    if len(value) != dims:
        raise rule_error("E305", f"{what} gives {len(value)} values {list(value)}, but the input has "
                                 f"{dims} spatial dimension{'s' if dims > 1 else ''}")
    return value


def padding_pairs(padding, dims: int) -> tuple:
    """Explicit padding → ((before, after), …) per axis, as integers."""
    if not isinstance(padding, tuple):
        return ((padding, padding),) * dims
    if len(padding) == dims:
        return tuple((p, p) for p in padding)
    if len(padding) == 2 * dims:
        return tuple(zip(padding[0::2], padding[1::2]))
    raise rule_error("E305", f"padding gives {len(padding)} values {list(padding)}: an input with {dims} "
                             f"spatial dimension{'s' if dims > 1 else ''} takes {dims} (one per axis) or "
                             f"{2 * dims} (before and after each axis)")


def effective_kernel(kernel: int, dilation: int) -> int:
    return dilation * (kernel - 1) + 1


def resolve_padding(padding, sizes, kernel_eff, stride) -> list:
    """[(before, after), …] int64 arrays per axis for a padding setting on inputs of ``sizes``."""
    if padding == "valid":
        return [(np.zeros_like(size), np.zeros_like(size)) for size in sizes]
    if padding == "same":
        pads = []
        for size, k, s in zip(sizes, kernel_eff, stride):
            out = -(-size // s)
            total = np.maximum((out - 1) * s + k - size, 0)
            pads.append((total // 2, total - total // 2))
        return pads
    return [(np.full_like(size, before), np.full_like(size, after))
            for size, (before, after) in zip(sizes, padding_pairs(padding, len(sizes)))]


def output_size(size, kernel_eff: int, stride: int, pad_before, pad_after, rounding: str, name: str):
    """Output length along one axis; raises with the arithmetic shown when it does not work out."""
    padded = size + pad_before + pad_after
    span = padded - kernel_eff
    if rounding == "ceil":
        out = -(-span // stride) + 1
        # PyTorch: the last window must start inside the input or the leading padding.
        out = np.where((out - 1) * stride >= size + pad_before, out - 1, out)
        bad = out < 1
    else:
        bad = span < 0
    if bad.any():
        i = int(np.argmax(bad))
        raise rule_error("E302", f"window of {kernel_eff} is larger than the padded input {name} "
                                 f"{int(size[i])} + {int(pad_before[i] + pad_after[i])} = {int(padded[i])}")
    if rounding == "ceil":
        return out
    if rounding == "exact" and (span % stride).any():
        i = int(np.argmax(span % stride != 0))
        pads = int(pad_before[i] + pad_after[i])
        raise rule_error("E301", f"output {name} ({int(size[i])} + {pads} - {kernel_eff})/{stride} + 1 = "
                                 f"{span[i] / stride + 1:g} is not an integer; set rounding: floor "
                                 f"(drop the incomplete window, PyTorch's default) or rounding: ceil")
    return span // stride + 1


def sliding_output(sizes, kernel, stride, dilation, padding, rounding) -> tuple:
    """Output sizes per spatial axis of a window layer (kernel, stride, dilation: per-axis tuples)."""
    kernel_eff = tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation))
    if padding == "same":  # fixes its own output size, whatever kernel and stride
        return tuple(-(-size // s) for size, s in zip(sizes, stride))
    names = AXIS_NAMES[len(sizes)]
    pads = resolve_padding(padding, sizes, kernel_eff, stride)
    return tuple(output_size(size, k, s, before, after, rounding, name)
                 for size, k, s, (before, after), name in zip(sizes, kernel_eff, stride, pads, names))


def leading_padding(padding, sizes, kernel, stride, dilation) -> tuple:
    """Padding before each axis (for the receptive-field walk)."""
    kernel_eff = tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation))
    return tuple(before for before, _ in resolve_padding(padding, sizes, kernel_eff, stride))


def describe_sizes(values) -> str:
    """'3' when every axis agrees, '1×7' otherwise."""
    values = tuple(values) if isinstance(values, tuple) else (values,)
    return f"{values[0]}" if len(set(values)) == 1 else "×".join(map(str, values))


def describe_extent(value, dims: int | None = None) -> str:
    """'3×3' for a size on every axis: ``dims`` axes (2 when not known) unless given per axis."""
    return "×".join(map(str, value if isinstance(value, tuple) else (value,) * (dims or 2)))


def describe_window(kernel, stride, padding, dilation=1, dims: int | None = None) -> str:
    """'3×3 s1 p1': the kernel on every axis (``dims`` of them; 2 when not known), stride, padding."""
    text = f"{describe_extent(kernel, dims)} s{describe_sizes(stride)}"
    if isinstance(padding, str):
        text += f" {padding}"
    elif isinstance(padding, tuple) and any(padding):
        text += f" p{padding[0]}" if len(set(padding)) == 1 else f" p{','.join(map(str, padding))}"
    elif not isinstance(padding, tuple) and padding:
        text += f" p{padding}"
    if set(dilation if isinstance(dilation, tuple) else (dilation,)) != {1}:
        text += f" d{describe_sizes(dilation)}"
    return text
