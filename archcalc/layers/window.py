"""The sliding-window arithmetic shared by convolution and pooling — written once.

Output size per axis (PyTorch, ONNX and the lecture notes agree)::

    out = (size + pad_before + pad_after − dilation·(kernel − 1) − 1) / stride + 1

When the division is not exact, ``rounding`` decides: ``exact`` (the default) refuses and shows
the arithmetic, ``floor`` drops the incomplete last window (PyTorch's default), ``ceil`` keeps
it as PyTorch's ``ceil_mode=True`` does — except that a last window starting beyond the input
and the leading padding is dropped.

'same' padding follows TensorFlow: output = ceil(size / stride), the total padding needed is
split with the extra pixel after (bottom/right); 'valid' is no padding.
"""

from __future__ import annotations

import numpy as np

from .base import rule_error

AXIS_NAMES = ("height", "width")


def effective_kernel(kernel: int, dilation: int) -> int:
    return dilation * (kernel - 1) + 1


def resolve_padding(padding, size_h, size_w, kernel_eff, stride):
    """Explicit (top, bottom, left, right) int64 arrays for a padding setting."""
    if padding == "valid":
        zero = np.zeros_like(size_h)
        return zero, zero, zero, zero
    if padding == "same":
        pads = []
        for size, k, s in zip((size_h, size_w), kernel_eff, stride):
            out = -(-size // s)
            total = np.maximum((out - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return tuple(pads)
    return tuple(np.full_like(size_h, p) for p in padding)


def output_size(size, kernel_eff: int, stride: int, pad_before, pad_after, rounding: str, axis: int):
    """Output length along one axis; raises with the arithmetic shown when it does not work out."""
    span = size + pad_before + pad_after - kernel_eff
    name = AXIS_NAMES[axis]
    if (span < 0).any():
        i = int(np.argmax(span < 0))
        raise rule_error("E302", f"window of {kernel_eff} is larger than the padded input {name} "
                                 f"{int(size[i])} + {int(pad_before[i] + pad_after[i])} = {int((size + pad_before + pad_after)[i])}")
    if rounding == "ceil":
        out = -(-span // stride) + 1
        # PyTorch: the last window must start inside the input or the leading padding.
        return np.where((out - 1) * stride >= size + pad_before, out - 1, out)
    if rounding == "exact" and (span % stride).any():
        i = int(np.argmax(span % stride != 0))
        pads = int(pad_before[i] + pad_after[i])
        raise rule_error("E301", f"output {name} ({int(size[i])} + {pads} - {kernel_eff})/{stride} + 1 = "
                                 f"{span[i] / stride + 1:g} is not an integer; set rounding: floor "
                                 f"(drop the incomplete window, PyTorch's default) or rounding: ceil")
    return span // stride + 1


def sliding_output(layer, height, width, kernel, stride, dilation, padding, rounding):
    """(out_h, out_w, (top, bottom, left, right)) for a window layer on an H×W input."""
    kernel_eff = tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation))
    top, bottom, left, right = resolve_padding(padding, height, width, kernel_eff, stride)
    out_h = output_size(height, kernel_eff[0], stride[0], top, bottom, rounding, 0)
    out_w = output_size(width, kernel_eff[1], stride[1], left, right, rounding, 1)
    return out_h, out_w, (top, bottom, left, right)


def describe_window(kernel, stride, padding, dilation=(1, 1)) -> str:
    def one(values):
        return f"{values[0]}" if values[0] == values[1] else f"{values[0]}×{values[1]}"

    text = f"{kernel[0]}×{kernel[1]} s{one(stride)}"
    if isinstance(padding, str):
        text += f" {padding}"
    elif any(padding):
        top, bottom, left, right = padding
        text += f" p{top}" if len(set(padding)) == 1 else f" p{top},{bottom},{left},{right}"
    if dilation != (1, 1):
        text += f" d{one(dilation)}"
    return text
