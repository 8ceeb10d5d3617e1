"""Element-wise activation functions and softmax.

Activations are counted in place (PyTorch's ``ReLU(inplace=True)`` habit): they allocate no new
activation memory and cost one element-wise op per element. Softmax allocates its output.
Each class is one line of rule; its forward lives beside it.
"""

from __future__ import annotations

from typing import ClassVar

from .. import kernels
from ..backward import SAVED_OUTPUT, own, saved_input
from ..conventions import IN_PLACE
from .base import Key, Layer, elements, number, register


class _Activation(Layer):
    family = "activation"
    storage = IN_PLACE
    keys = {}

    def output_shape(self, inputs):
        return inputs[0]

    def other_ops(self, inputs, output):
        return {"elementwise": elements(output)}

    def forward(self, inputs, params):
        """The kernel of the same name; the layer's keys (slope, alpha) are its keyword arguments."""
        return kernels.ACTIVATIONS[self.type_name](inputs[0], **self.settings), 0

    #: What autograd keeps, (out of place, in place): "output", "input", or "input copy" (the in-place
    #: kernel clones the input it overwrites, its derivative needing it); None: no in-place variant.
    backward_keeps: ClassVar[tuple[str, str | None] | None] = None

    def saved_for_backward(self, inputs, output, in_place=False):
        """PyTorch's derivatives.yaml: relu/sigmoid/tanh use their result; the others their input,
        and their in-place kernels (relu6_, hardswish_, silu_, …) save a clone of it."""
        if self.backward_keeps is None:
            return super().saved_for_backward(inputs, output, in_place)
        keeps = self.backward_keeps[1 if in_place else 0]
        if keeps is None:
            return None
        return {"output": [SAVED_OUTPUT], "input": [saved_input()],
                "input copy": [own("copy of the input", elements(inputs[0]))]}[keeps]


def activation(name: str, doc: str, aliases: tuple = (), keys: dict | None = None, keeps=None):
    """Define and register an element-wise activation type in one line (``keeps``: backward_keeps)."""
    cls = type(name.title().replace("_", ""), (_Activation,), {
        "type_name": name, "aliases": aliases, "keys": keys or {}, "__doc__": doc, "backward_keeps": keeps,
    })
    return register(cls)


ReLU = activation("relu", "max(0, x).", keeps=("output", "output"))
ReLU6 = activation("relu6", "min(max(0, x), 6) (MobileNet v2).", keeps=("input", "input copy"))
LeakyReLU = activation("leaky_relu", "x if x > 0 else slope·x.", keys={"slope": Key(number, 0.01, "negative slope")},
                       keeps=("input", "output"))
ELU = activation("elu", "x if x > 0 else α(eˣ − 1).", keys={"alpha": Key(number, 1.0, "α")}, keeps=("input", "output"))
Sigmoid = activation("sigmoid", "1 / (1 + e⁻ˣ).", keeps=("output", "output"))
HardSigmoid = activation("hard_sigmoid", "relu6(x + 3) / 6 (MobileNet v3).", aliases=("hsigmoid",),
                         keeps=("input", "input copy"))
Tanh = activation("tanh", "tanh(x).", keeps=("output", "output"))
SiLU = activation("silu", "x·sigmoid(x) (swish; EfficientNet).", aliases=("swish",), keeps=("input", "input copy"))
HardSwish = activation("hard_swish", "x·relu6(x + 3) / 6 (MobileNet v3).", aliases=("hswish",),
                       keeps=("input", "input copy"))
GELU = activation("gelu", "x·Φ(x), Φ the standard normal CDF.", keeps=("input", None))


@register
class Softmax(Layer):
    """Softmax over channels/features; allocates its output (a classifier's probabilities)."""

    type_name = "softmax"
    family = "activation"
    keys = {}

    def output_shape(self, inputs):
        return inputs[0]

    def other_ops(self, inputs, output):
        return {"elementwise": 3 * elements(output)}

    def forward(self, inputs, params):
        return kernels.softmax(inputs[0], axis=1), 0

    def saved_for_backward(self, inputs, output, in_place=False):
        """_softmax_backward_data needs the result only."""
        return [SAVED_OUTPUT]
