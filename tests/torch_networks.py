"""A PyTorch network built from an archcalc graph, for measuring what PyTorch really keeps.

Each layer type is written the way PyTorch code (torchvision) writes it — modules and functional
calls with PyTorch's own semantics — without consulting archcalc's memory rules. The one
modelling choice shared with archcalc is when an activation runs in place: as torchvision's
``inplace=True``, wherever PyTorch allows — the activation is its input's only reader, the input
is neither the network's input nor a view, and autograd has not saved that storage (this builder
asks the saved-tensor hooks, not archcalc). Geometry (padding amounts) comes from archcalc's
own resolution, which the shape tests check separately.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from archcalc.layers.runtime import ceil_extra, concrete_padding
from archcalc.layers.window import effective_kernel

IN_PLACE_FUNCTIONS = {
    "relu": lambda x, layer, inplace: F.relu(x, inplace=inplace),
    "relu6": lambda x, layer, inplace: F.relu6(x, inplace=inplace),
    "leaky_relu": lambda x, layer, inplace: F.leaky_relu(x, layer.slope, inplace=inplace),
    "elu": lambda x, layer, inplace: F.elu(x, layer.alpha, inplace=inplace),
    "sigmoid": lambda x, layer, inplace: x.sigmoid_() if inplace else torch.sigmoid(x),
    "tanh": lambda x, layer, inplace: x.tanh_() if inplace else torch.tanh(x),
    "hard_sigmoid": lambda x, layer, inplace: F.hardsigmoid(x, inplace=inplace),
    "silu": lambda x, layer, inplace: F.silu(x, inplace=inplace),
    "hard_swish": lambda x, layer, inplace: F.hardswish(x, inplace=inplace),
    "mish": lambda x, layer, inplace: F.mish(x, inplace=inplace),
}
OUT_OF_PLACE_FUNCTIONS = {
    "gelu": lambda x, layer: F.gelu(x, approximate=layer.approximate),
    "softmax": lambda x, layer: F.softmax(x, dim=1),
}


def storage_key(tensor) -> int:
    """Identity of a tensor's storage (works on the meta device, where data pointers are all 0)."""
    return tensor.untyped_storage()._cdata


class Recorder:
    """Packs of autograd's saved tensors: distinct storages, minus parameters and buffers."""

    def __init__(self, excluded: set):
        self.excluded = excluded
        self.storages: dict[int, int] = {}

    def pack(self, tensor):
        key = storage_key(tensor)
        if key not in self.excluded:
            self.storages[key] = tensor.untyped_storage().nbytes()
        return tensor

    @property
    def total(self) -> int:
        return sum(self.storages.values())


class GraphNetwork(torch.nn.Module):
    """The graph's layers as torch modules/functions, run node by node."""

    def __init__(self, graph, input_shapes: dict, output_shapes: dict | None = None):
        super().__init__()
        self.graph = graph
        self.readers = graph.consumers()
        self.shapes = input_shapes          # node index → per-sample input shapes (tuples of ints)
        self.output_shapes = output_shapes or {}
        self.modules_by_node = torch.nn.ModuleDict()
        for node in graph.nodes[1:]:
            module = self.make_module(node)
            if module is not None:
                self.modules_by_node[str(node.index)] = module
        self.recorder: Recorder | None = None

    def make_module(self, node):
        layer, shapes = node.layer, self.shapes[node.index]
        name = layer.type_name
        if name == "conv":
            channels, dims = shapes[0][0], len(shapes[0]) - 1
            groups = channels if layer.groups == "depthwise" else layer.groups
            out = channels if layer.out is None else layer.out
            kernel, stride, dilation = layer.geometry(dims)
            cls = getattr(torch.nn, f"Conv{dims}d")
            return cls(channels, out, kernel, stride, 0, dilation, groups, layer.bias)
        if name == "fc":
            return torch.nn.Linear(shapes[0][0], layer.out, layer.bias)
        if name == "conv_transpose":
            channels, dims = shapes[0][0], len(shapes[0]) - 1
            g = layer.geometry(dims)
            cls = getattr(torch.nn, f"ConvTranspose{dims}d")
            return cls(channels, channels if layer.out is None else layer.out, g["kernel"], g["stride"], g["padding"],
                       g["output_padding"], layer.groups, layer.bias, g["dilation"])
        if name == "bn":
            cls = {1: torch.nn.BatchNorm1d, 2: torch.nn.BatchNorm1d, 3: torch.nn.BatchNorm2d,
                   4: torch.nn.BatchNorm3d}[len(shapes[0])]
            module = cls(shapes[0][0], eps=layer.eps, affine=layer.affine)
            if layer.affine and not layer.scale:
                module.weight.requires_grad_(False)
            return module
        if name == "lrn":
            return torch.nn.LocalResponseNorm(layer.size, layer.alpha, layer.beta, layer.k)
        if name == "layer_norm":
            return torch.nn.LayerNorm(shapes[0][0], eps=layer.eps, elementwise_affine=layer.affine)
        if name == "group_norm":
            return torch.nn.GroupNorm(layer.groups, shapes[0][0], eps=layer.eps, affine=layer.affine)
        if name == "instance_norm":
            cls = {2: torch.nn.InstanceNorm1d, 3: torch.nn.InstanceNorm2d, 4: torch.nn.InstanceNorm3d}[len(shapes[0])]
            return cls(shapes[0][0], eps=layer.eps, affine=layer.affine)
        if name == "prelu":
            return torch.nn.PReLU(1 if layer.num_parameters == 1 else shapes[0][0])
        if name == "fc_last_axis":
            return torch.nn.Linear(shapes[0][-1], layer.out, layer.bias)
        if name == "layer_norm_last_axis":
            return torch.nn.LayerNorm(shapes[0][-1], eps=layer.eps, elementwise_affine=layer.affine)
        if name == "elementwise" and layer.constant and int(np.prod(layer.constant)) > 1:
            module = torch.nn.Module()
            module.constant = torch.nn.Parameter(torch.full(tuple(layer.constant), 0.5))
            return module
        if name == "layer_scale":
            module = torch.nn.Module()
            module.gamma = torch.nn.Parameter(torch.ones(shapes[0][0], *[1] * (len(shapes[0]) - 1)))
            return module
        return None

    def window_padding(self, node, x, kernel, stride, dilation, rounding):
        """[(before, after), …] per spatial axis, as ints."""
        pads = concrete_padding(node.layer.padding, x.shape[2:], kernel, stride, dilation)
        if rounding == "ceil" and node.layer.type_name == "conv":
            pads = [(before, after + ceil_extra(size, effective_kernel(k, d), s, before, after))
                    for size, k, s, d, (before, after) in zip(x.shape[2:], kernel, stride, dilation, pads)]
        return pads

    @staticmethod
    def pad_arguments(pads):
        """F.pad's order: the last axis first."""
        return [amount for before, after in reversed(pads) for amount in (before, after)]

    def in_place_allowed(self, node, x) -> bool:
        source = node.inputs[0]
        return (source != 0 and self.readers[source] == [node.index] and not self.graph.nodes[source].output
                and x._base is None and storage_key(x) not in self.recorder.storages)

    def run(self, node, xs):
        layer = node.layer
        name = layer.type_name
        module = self.modules_by_node[str(node.index)] if str(node.index) in self.modules_by_node else None
        x = xs[0]
        if name == "conv":
            kernel, stride, dilation = layer.geometry(x.dim() - 2)
            pads = self.window_padding(node, x, kernel, stride, dilation, layer.rounding)
            if all(before == after for before, after in pads):
                module.padding = tuple(before for before, _ in pads)
            else:
                x = F.pad(x, self.pad_arguments(pads))
            return module(x)
        if name == "upsample":
            size = self.output_shapes[node.index][1:]
            return F.interpolate(x, size=size, mode=layer.mode, align_corners=layer.align_corners)
        if name == "crop":
            size = self.output_shapes[node.index][1:]
            index = [slice(None), slice(None)]
            for have, want in zip(x.shape[2:], size):
                start = (have - want) // 2
                index.append(slice(start, start + want))
            return x[tuple(index)]
        if name == "pixel_shuffle":
            return F.pixel_shuffle(x, layer.factor)
        if name == "pixel_unshuffle":
            return F.pixel_unshuffle(x, layer.factor)
        if name in ("fc", "bn", "conv_transpose", "group_norm", "instance_norm", "prelu", "fc_last_axis", "layer_norm_last_axis"):
            return module(x)
        if name == "permute":
            return x.permute(0, *(d + 1 for d in layer.dims))
        if name == "reshape":
            return x.reshape(x.shape[0], *layer.shape)
        if name == "reduce":
            dims = tuple(a + 1 for a in layer.axes)
            if layer.op in ("mean", "sum"):
                return getattr(x, layer.op)(dim=dims, keepdim=layer.keepdims)
            return getattr(x, "a" + layer.op)(dim=dims, keepdim=layer.keepdims)
        if name == "elementwise":
            operations = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
                          "pow": torch.pow, "max": torch.maximum, "min": torch.minimum, "sqrt": torch.sqrt,
                          "erf": torch.erf, "exp": torch.exp, "log": torch.log, "neg": torch.neg,
                          "abs": torch.abs, "reciprocal": torch.reciprocal}
            function = operations[layer.op]
            if len(xs) == 2:
                return function(xs[0], xs[1])
            if layer.constant is None:
                return function(x)
            if module is not None:
                return function(x, module.constant)
            if layer.op in ("max", "min"):
                return torch.clamp_min(x, 0.5) if layer.op == "max" else torch.clamp_max(x, 0.5)
            return function(x, 0.5)
        if name == "layer_norm":      # over the channels at every position: channels last, then back
            if x.dim() == 2:
                return module(x)
            return module(x.movedim(1, -1)).movedim(-1, 1)
        if name == "layer_scale":
            return module.gamma * x
        if name == "lrn":
            return module(x.reshape(*x.shape, 1, 1)).reshape(x.shape) if x.dim() == 2 else module(x)
        if name in IN_PLACE_FUNCTIONS:
            return IN_PLACE_FUNCTIONS[name](x, layer, self.in_place_allowed(node, x))
        if name in OUT_OF_PLACE_FUNCTIONS:
            return OUT_OF_PLACE_FUNCTIONS[name](x, layer)
        if name in ("maxpool", "avgpool"):
            dims = x.dim() - 2
            kernel, stride, dilation = layer.geometry(dims)
            pads = self.window_padding(node, x, kernel, stride, dilation, layer.rounding)
            ceil = layer.rounding == "ceil"
            if any(before != after for before, after in pads):
                x = F.pad(x, self.pad_arguments(pads), value=-float("inf") if name == "maxpool" else 0.0)
                pads = [(0, 0)] * dims
            padding = tuple(before for before, _ in pads)
            if name == "maxpool":
                return getattr(F, f"max_pool{dims}d")(x, kernel, stride, padding, dilation, ceil_mode=ceil)
            return getattr(F, f"avg_pool{dims}d")(x, kernel, stride, padding, ceil_mode=ceil,
                                                  count_include_pad=layer.count_include_pad)
        if name == "global_avgpool":
            return getattr(F, f"adaptive_avg_pool{x.dim() - 2}d")(x, 1)
        if name == "global_maxpool":
            return getattr(F, f"adaptive_max_pool{x.dim() - 2}d")(x, 1)
        if name == "adaptive_avgpool":
            return getattr(F, f"adaptive_avg_pool{x.dim() - 2}d")(x, layer.size)
        if name == "flatten":
            return x.flatten(1)
        if name == "identity":
            return x
        if name == "dropout":
            return F.dropout(x, layer.p, training=True)
        if name == "zeropad":
            top, bottom, left, right = layer.padding
            return F.pad(x, (left, right, top, bottom))
        if name == "channel_pad":
            before, after = layer.padding
            return F.pad(x, (0, 0, 0, 0, before, after))
        if name == "channel_shuffle":
            n, c, h, w = x.shape
            return x.view(n, layer.groups, c // layer.groups, h, w).transpose(1, 2).contiguous().view(n, c, h, w)
        if name == "concat":
            return torch.cat(xs, dim=1)
        if name == "add":
            total = xs[0]
            for other in xs[1:]:
                total = total + other
            return total
        if name == "mean":
            total = xs[0]
            for other in xs[1:]:
                total = total + other
            return total / len(xs)
        if name == "mul":
            product = xs[0]
            for other in xs[1:]:
                product = product * other
            return product
        if name == "slice":
            index = [slice(None)]
            for (begin, end) in layer.bounds(tuple(np.array([d]) for d in x.shape[1:])):
                index.append(slice(int(begin[0]), int(end[0])))
            return x[tuple(index)]
        if name == "stochastic_depth":
            if layer.p == 0:
                return x
            survival = 1.0 - layer.p
            noise = torch.empty([x.shape[0]] + [1] * (x.dim() - 1), dtype=x.dtype, device=x.device)
            noise = noise.bernoulli_(survival)
            if survival > 0:
                noise.div_(survival)
            return x * noise
        raise NotImplementedError(f"no torch equivalent written for layer type '{name}'")

    def forward(self, x):
        values = {0: x}
        remaining = {node.index: len(self.readers[node.index]) for node in self.graph.nodes}
        for node in self.graph.nodes[1:]:
            values[node.index] = self.run(node, [values[i] for i in node.inputs])
            for source in node.inputs:          # drop references like Python locals going out of scope
                remaining[source] -= 1
                if remaining[source] == 0 and source != 0 and not self.graph.nodes[source].output:
                    del values[source]
        outputs = [values[n.index] for n in self.graph.nodes if n.output and n.index in values]
        last = values[self.graph.nodes[-1].index]
        return [last] + [o for o in outputs if o is not last]


def build(spec_or_graph, input_shape=None):
    """The torch network of a spec (or graph) at ``input_shape`` (default: the spec's)."""
    from archcalc.engine import Config, analyze

    graph = spec_or_graph.graph() if hasattr(spec_or_graph, "graph") else spec_or_graph
    shape = tuple(input_shape or spec_or_graph.input_shape())
    analysis = analyze(graph, [Config(shape, 1)])
    shapes = {row.node.index: [tuple(int(d[0]) for d in s) for s in row.input_shapes] for row in analysis.rows}
    outputs = {row.node.index: tuple(int(d[0]) for d in row.output_shape) for row in analysis.rows}
    return GraphNetwork(graph, shapes, outputs), shape


def measure_saved(network, input_shape, batch, device="meta") -> int:
    """Bytes of distinct storages autograd saves in one training forward (parameters and buffers excluded)."""
    network = network.to(device).train()
    excluded = {storage_key(t) for t in list(network.parameters()) + list(network.buffers())}
    network.recorder = Recorder(excluded)
    x = torch.randn(batch, *input_shape, device=device)
    with torch.autograd.graph.saved_tensors_hooks(network.recorder.pack, lambda t: t):
        outputs = network(x)
    del outputs
    return network.recorder.total


class _MallInfo2(__import__("ctypes").Structure):
    _fields_ = [(name, __import__("ctypes").c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def heap_in_use_function():
    """glibc's bytes in use (``mallinfo2``: uordblks + hblkhd, all arenas), or None off glibc."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2

    def in_use() -> int:
        info = mallinfo2()
        return info.uordblks + info.hblkhd

    return in_use


def measure_training_peak(network, input_shape, batch, in_use) -> int:
    """The most heap bytes in use during one forward + backward on CPU, beyond the level before it
    (weights and input batch already allocated, gradients set to None), sampled after every aten op."""
    import gc

    from torch.utils._python_dispatch import TorchDispatchMode

    network = network.to("cpu").train()
    network.recorder = Recorder({storage_key(t) for t in list(network.parameters()) + list(network.buffers())})
    highest = [0]

    class Sampler(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            result = func(*args, **(kwargs or {}))
            highest[0] = max(highest[0], in_use())
            return result

    def step(x):
        with Sampler(), torch.autograd.graph.saved_tensors_hooks(network.recorder.pack, lambda t: t):
            outputs = network(x)
            torch.autograd.backward(outputs, [torch.ones_like(o) for o in outputs])

    step(torch.randn(batch, *input_shape))     # first use: kernels and thread pools set themselves up
    for parameter in network.parameters():
        parameter.grad = None
    network.recorder.storages.clear()
    x = torch.randn(batch, *input_shape)
    gc.collect()
    base = highest[0] = in_use()
    step(x)
    return highest[0] - base


# ---- as the counting tools see it: each layer called the way its spec says (``call:``) ----

ACTIVATION_MODULES = {
    "relu": lambda layer: torch.nn.ReLU(), "relu6": lambda layer: torch.nn.ReLU6(),
    "leaky_relu": lambda layer: torch.nn.LeakyReLU(layer.slope), "elu": lambda layer: torch.nn.ELU(layer.alpha),
    "sigmoid": lambda layer: torch.nn.Sigmoid(), "tanh": lambda layer: torch.nn.Tanh(),
    "hard_sigmoid": lambda layer: torch.nn.Hardsigmoid(), "silu": lambda layer: torch.nn.SiLU(),
    "hard_swish": lambda layer: torch.nn.Hardswish(), "mish": lambda layer: torch.nn.Mish(),
    "gelu": lambda layer: torch.nn.GELU(approximate=layer.approximate), "softmax": lambda layer: torch.nn.Softmax(dim=1),
}


class LayerNorm2d(torch.nn.LayerNorm):
    """torchvision's LayerNorm2d: an nn.LayerNorm subclass normalising the channels of each position."""

    def forward(self, x):
        x = x.movedim(1, -1)
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps).movedim(-1, 1)


class LayerScale(torch.nn.Module):
    """A learned per-channel scale as a module of its own (timm's LayerScale)."""

    def __init__(self, channels: int, dims: int):
        super().__init__()
        self.gamma = torch.nn.Parameter(torch.ones(channels, *[1] * dims))

    def forward(self, x):
        return x * self.gamma


class CountingNetwork(GraphNetwork):
    """The graph as PyTorch code that calls each layer as its spec says: an ``nn.Module`` (the default),
    a ``torch.nn.functional`` call, a tensor method, an operator, or a subclass of the module — what
    hook- and patch-based counting tools observe. Layers whose call makes no difference to a tool run
    as :class:`GraphNetwork` runs them."""

    def call(self, node) -> str:
        """How the spec says the layer is called (its op's usual call unless ``call:`` says otherwise);
        worked out once per node, since forward asks on every run."""
        from archcalc.counting import call_of

        calls = self.__dict__.setdefault("_calls", {})
        if node.index not in calls:
            def as_arrays(shape):
                return tuple(np.array([d], np.int64) for d in shape)

            facts = node.layer.counted([as_arrays(s) for s in self.shapes[node.index]],
                                       as_arrays(self.output_shapes[node.index]))
            calls[node.index] = call_of(node, facts.op)
        return calls[node.index]

    def in_place_allowed(self, node, x) -> bool:
        return False     # what a tool counts does not depend on it

    def make_module(self, node):
        module = self.make_module_as_called(node)
        if self.call(node) == "subclass" and not isinstance(module, LayerNorm2d):
            # a subclass of the module's own type that changes nothing, as torchvision's Conv3DSimple
            module.__class__ = type(f"Derived{type(module).__name__}", (type(module),), {})
        return module

    def make_module_as_called(self, node):
        layer, shapes, call = node.layer, self.shapes[node.index], self.call(node)
        name, dims = layer.type_name, len(shapes[0]) - 1
        if name == "conv" and layer.channels_last_linear:
            return torch.nn.Linear(shapes[0][0], layer.out or shapes[0][0], layer.bias)
        if name == "layer_norm" and call == "subclass":
            return LayerNorm2d(shapes[0][0], eps=layer.eps, elementwise_affine=layer.affine)
        if call not in ("module", "subclass"):
            return super().make_module(node)
        if name in ACTIVATION_MODULES:
            return ACTIVATION_MODULES[name](layer)
        if name in ("maxpool", "avgpool"):
            kernel, stride, dilation = layer.geometry(dims)
            pads = concrete_padding(layer.padding, shapes[0][1:], kernel, stride, dilation)
            if any(before != after for before, after in pads):
                raise NotImplementedError("a pooling module with uneven padding needs an explicit pad first")
            padding, ceil = tuple(before for before, _ in pads), layer.rounding == "ceil"
            if name == "maxpool":
                return getattr(torch.nn, f"MaxPool{dims}d")(kernel, stride, padding, dilation, ceil_mode=ceil)
            return getattr(torch.nn, f"AvgPool{dims}d")(kernel, stride, padding, ceil_mode=ceil,
                                                        count_include_pad=layer.count_include_pad)
        if name in ("global_avgpool", "adaptive_avgpool"):
            return getattr(torch.nn, f"AdaptiveAvgPool{dims}d")(1 if name == "global_avgpool" else layer.size)
        if name == "global_maxpool":
            return getattr(torch.nn, f"AdaptiveMaxPool{dims}d")(1)
        if name == "upsample":
            if layer.scale is not None:
                scale = tuple(float(s) for s in layer.scale) if isinstance(layer.scale, tuple) else float(layer.scale)
                return torch.nn.Upsample(scale_factor=scale, mode=layer.mode, align_corners=layer.align_corners)
            return torch.nn.Upsample(size=self.output_shapes[node.index][1:], mode=layer.mode,
                                     align_corners=layer.align_corners)
        if name == "lrn":
            return torch.nn.LocalResponseNorm(layer.size, layer.alpha, layer.beta, layer.k)
        if name == "dropout":
            return torch.nn.Dropout(layer.p)
        if name == "flatten":
            return torch.nn.Flatten()
        if name == "pixel_shuffle":
            return torch.nn.PixelShuffle(layer.factor)
        if name == "pixel_unshuffle":
            return torch.nn.PixelUnshuffle(layer.factor)
        if name == "layer_scale":
            return LayerScale(shapes[0][0], dims)
        return super().make_module(node)

    def run(self, node, xs):
        layer, call = node.layer, self.call(node)
        name = layer.type_name
        key = str(node.index)
        module = self.modules_by_node[key] if key in self.modules_by_node else None
        x = xs[0]
        if name == "conv" and layer.channels_last_linear:
            # contiguous channels-last, as after ConvNeXt's LayerNorm: nn.Linear runs as addmm (its bias seen
            # by ptflops' aten backend), where a permuted view would run matmul + add
            return module(x.movedim(1, -1).contiguous()).movedim(-1, 1)
        if name == "layer_norm" and call == "subclass":
            return module(x)
        if name == "layer_scale" and call in ("module", "subclass"):
            return module(x)
        if call in ("module", "subclass") and module is not None and name in (*ACTIVATION_MODULES, "maxpool", "avgpool", "upsample",
                                                                "global_avgpool", "adaptive_avgpool", "global_maxpool",
                                                                "dropout", "flatten", "pixel_shuffle", "pixel_unshuffle"):
            if name == "dropout":
                module.eval()
            return module(x)
        if name == "upsample" and call == "functional":
            if layer.scale is not None:
                scale = tuple(float(s) for s in layer.scale) if isinstance(layer.scale, tuple) else float(layer.scale)
                return F.interpolate(x, scale_factor=scale, mode=layer.mode, align_corners=layer.align_corners)
            return F.interpolate(x, size=self.output_shapes[node.index][1:], mode=layer.mode,
                                 align_corners=layer.align_corners)
        if name == "global_avgpool" and call == "method":
            return x.mean(tuple(range(2, x.dim())), keepdim=True)
        if name == "fc" and call == "functional":
            return F.linear(x, module.weight, module.bias)
        if name == "bn" and call == "functional":
            return F.batch_norm(x, module.running_mean, module.running_var, module.weight, module.bias, False, 0.0,
                                module.eps)
        if name == "layer_norm" and call == "functional":
            moved = x.movedim(1, -1) if x.dim() > 2 else x
            y = F.layer_norm(moved, module.normalized_shape, module.weight, module.bias, module.eps)
            return y.movedim(-1, 1) if x.dim() > 2 else y
        if name == "group_norm" and call == "functional":
            return F.group_norm(x, module.num_groups, module.weight, module.bias, module.eps)
        if name == "instance_norm" and call == "functional":
            return F.instance_norm(x, weight=module.weight, bias=module.bias, eps=module.eps)
        if name == "prelu" and call == "functional":
            return F.prelu(x, module.weight)
        if name in ("add", "mul") and call == "method":
            result = xs[0]
            for other in xs[1:]:
                result = getattr(torch, name)(result, other)
            return result
        if name == "dropout":
            return x
        return super().run(node, xs)


def build_as_called(spec_or_graph, input_shape=None):
    """:func:`build`, with every layer called as its spec says (for the counting tools)."""
    network, shape = build(spec_or_graph, input_shape)
    return CountingNetwork(network.graph, network.shapes, network.output_shapes), shape
