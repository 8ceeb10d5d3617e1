"""Element-wise activation functions and softmax.

Activations are counted in place (PyTorch's ``ReLU(inplace=True)`` habit): they allocate no new
activation memory and cost one element-wise op per element, whatever their formula (GELU's erf,
mish's softplus and tanh count one each, as ReLU's max does). Softmax allocates its output.
Each class is one line of rule; its forward lives beside it.
Aliases are the PyTorch and Keras class and function names that differ from the type name by
more than case and underscores (names are looked up ignoring both).
"""

from __future__ import annotations

from typing import ClassVar

from .. import kernels
from ..backward import SAVED_OUTPUT, own, saved_input
from ..counting import counted
from ..conventions import IN_PLACE
from .base import (NO_ARITHMETIC, Key, Layer, ParamCounts, choice, elements, number, positive_int, product,
                   register, rule_error)
from .runtime import uniform


ELEMENTWISE = {"elementwise": "element-wise functions (activations, layer scale, element-wise ops with constants): "
                              "one per output element (3 for softmax)"}


class _Activation(Layer):
    family = "activation"
    storage = IN_PLACE
    free_of = NO_ARITHMETIC
    other_op_labels = ELEMENTWISE
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

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): the PyTorch activation of the same name."""
        return counted(self.type_name, "activation")


def _slopes(value):
    """1, the number of channels, or 'channels'"""
    if value == "channels":
        return value
    return positive_int(value)


_slopes.json_schema = {"anyOf": [{"type": "integer", "minimum": 1}, {"const": "channels"}]}


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
HardSwish = activation("hard_swish", "x·relu6(x + 3) / 6 (MobileNet v3).",
                       aliases=("hswish", "hard_silu"), keeps=("input", "input copy"))
GELU = activation("gelu", "x·Φ(x), Φ the standard normal CDF (approximate: tanh for the tanh form).\n\n"
                          "The tanh form is 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as PyTorch's "
                          "GELU(approximate='tanh').\nExample: ``gelu`` or ``gelu: {approximate: tanh}``.",
                  keys={"approximate": Key(choice("none", "tanh"), "none", "'none': exact (erf); 'tanh': the approximation")},
                  keeps=("input", None))
Mish = activation("mish", "x·tanh(softplus(x)), softplus(x) = ln(1 + eˣ) (YOLOv4).\n\nExample: ``mish``.",
                  keeps=("input", "input copy"))


@register
class PReLU(_Activation):
    """x if x > 0 else a·x with a learned slope a: one shared (PyTorch's default) or one per channel.

    ``num_parameters`` is 1 or the number of channels (``channels`` says so without the number),
    as PyTorch's ``nn.PReLU(num_parameters)``. The slopes are trainable parameters, not weights.
    Example: ``prelu`` or ``prelu: {num_parameters: channels}``.
    """

    type_name = "prelu"
    keys = {"num_parameters": Key(_slopes, 1, "1 (one shared slope) or the channels ('channels': one each)")}
    free_of = frozenset({"macs"})

    def _count(self, shape):
        """Slopes for an input of ``shape``: 1 or its channels (an explicit count must be one of them)."""
        channels = shape[0]
        if self.num_parameters == 1:
            return 1
        if self.num_parameters != "channels" and (channels != self.num_parameters).any():
            raise rule_error("E303", f"prelu: num_parameters={self.num_parameters} must be 1 or the "
                                     f"{int(channels.reshape(-1)[0])} channels of its input")
        return channels

    def output_shape(self, inputs):
        self._count(inputs[0])
        return inputs[0]

    def param_counts(self, inputs):
        return ParamCounts(trainable=self._count(inputs[0]))

    def describe(self, dims=None):
        return "per channel" if self.num_parameters != 1 else "shared"

    def init_params(self, input_shapes, rng):
        count = 1 if self.num_parameters == 1 else input_shapes[0][0]
        return {"slope": uniform(rng, (count,), 0.5)}

    def forward(self, inputs, params):
        return kernels.prelu(inputs[0], params["slope"]), 0

    #: prelu keeps its input (and the slopes, parameters); nn.PReLU has no in-place variant.
    backward_keeps = ("input", None)


@register
class Softmax(Layer):
    """Softmax over channels/features; allocates its output (a classifier's probabilities)."""

    type_name = "softmax"
    family = "activation"
    free_of = NO_ARITHMETIC
    other_op_labels = ELEMENTWISE
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

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): per position, C exponentials, C − 1 adds, C divides."""
        channels, *spatial = output
        return counted("softmax", "activation", softmax_ops=product(3 * channels - 1, *spatial))
