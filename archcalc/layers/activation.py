"""Element-wise activation functions and softmax.

Activations are counted in place (PyTorch's ``ReLU(inplace=True)`` habit): they allocate no new
activation memory and cost one element-wise op per element. Softmax allocates its output.
Each class is one line of rule; its forward lives beside it.
"""

from __future__ import annotations

from .. import kernels
from ..counting import counted
from ..conventions import IN_PLACE
from .base import Key, Layer, elements, number, product, register


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

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): the PyTorch activation of the same name."""
        return counted(self.type_name, "activation")


def activation(name: str, doc: str, aliases: tuple = (), keys: dict | None = None):
    """Define and register an element-wise activation type in one line."""
    cls = type(name.title().replace("_", ""), (_Activation,), {
        "type_name": name, "aliases": aliases, "keys": keys or {}, "__doc__": doc,
    })
    return register(cls)


ReLU = activation("relu", "max(0, x).")
ReLU6 = activation("relu6", "min(max(0, x), 6) (MobileNet v2).")
LeakyReLU = activation("leaky_relu", "x if x > 0 else slope·x.", keys={"slope": Key(number, 0.01, "negative slope")})
ELU = activation("elu", "x if x > 0 else α(eˣ − 1).", keys={"alpha": Key(number, 1.0, "α")})
Sigmoid = activation("sigmoid", "1 / (1 + e⁻ˣ).")
HardSigmoid = activation("hard_sigmoid", "relu6(x + 3) / 6 (MobileNet v3).", aliases=("hsigmoid",))
Tanh = activation("tanh", "tanh(x).")
SiLU = activation("silu", "x·sigmoid(x) (swish; EfficientNet).", aliases=("swish",))
HardSwish = activation("hard_swish", "x·relu6(x + 3) / 6 (MobileNet v3).", aliases=("hswish",))
GELU = activation("gelu", "x·Φ(x), Φ the standard normal CDF.")


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

    def counted(self, inputs, output):
        """What counting tools see (archcalc.counting): per position, C exponentials, C − 1 adds, C divides."""
        channels, *spatial = output
        return counted("softmax", "activation", softmax_ops=product(3 * channels - 1, *spatial))
