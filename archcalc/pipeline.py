"""The analysis every command shares: resolve → compile → analyse → totals and findings.

``summary``, ``compare``, ``list``, ``check`` and ``verify`` all start here, and so do the tests,
so a number means the same thing wherever it is printed. Reporters (:mod:`archcalc.render`) only
format what this module returns.

>>> result = analyse("lenet5")
>>> int(result.totals["params"][0])
61706
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .engine import Analysis, Config, analyze
from .spec import ModelSpec
from .stochastic import TrainingCost, training_cost
from .totals import totals as sum_totals

#: Quantities whose largest layers the findings name, with how a reader calls them.
HOTSPOT_QUANTITIES = (("activations", "activation memory"), ("params", "parameters"), ("macs", "multiply-adds"))
HOTSPOT_LAYERS = 3


@dataclass(frozen=True)
class Hotspot:
    """The largest layers for one quantity: ``layers`` holds (name, share of the total)."""

    quantity: str
    what: str
    layers: tuple
    share: float


@dataclass(frozen=True)
class Findings:
    """Where the memory, the parameters and the work are: what a teacher would point at."""

    hotspots: tuple
    half_activations: float | None    # fraction of the way through the layers
    half_params: float | None
    training: TrainingCost | None
    index: int
    #: The training step's memory at the configuration's batch (fp32, SGD); None when a layer
    #: type has no training-memory rule.
    step_memory: object | None = None


@dataclass
class ModelAnalysis:
    """One model analysed for one or more configurations (input shape × batch)."""

    spec: ModelSpec
    analysis: Analysis
    totals: dict

    @property
    def graph(self):
        return self.analysis.graph

    @property
    def configs(self) -> list[Config]:
        return self.analysis.configs

    @property
    def rows(self):
        return self.analysis.rows

    @cached_property
    def training_cost(self) -> TrainingCost | None:
        return training_cost(self.analysis)

    @cached_property
    def step_memory(self):
        """One training step's memory (archcalc.training) at each configuration, fp32 and SGD."""
        from .errors import ArchcalcError
        from .training import training_memory

        try:
            return training_memory(self.analysis)
        except ArchcalcError:
            return None

    def total(self, key: str, index: int = 0) -> int:
        return int(self.totals[key][index])

    def layers_with_weights(self) -> int:
        """Layers that make up a network's depth (conv and fc), as papers count it."""
        return sum(1 for r in self.rows if r.layer is not None and r.layer.counts_toward_depth)

    def findings(self, index: int = 0) -> Findings:
        values = {"activations": [int(r.activations[index]) for r in self.rows],
                  "params": [int(r.params.trainable[index]) for r in self.rows],
                  "macs": [int(r.macs[index]) for r in self.rows]}
        names = [r.name for r in self.rows]
        hotspots = []
        for key, what in HOTSPOT_QUANTITIES:
            total = self.total(key, index)
            if total <= 0:
                continue
            ranked = sorted(range(len(names)), key=lambda i: values[key][i], reverse=True)
            top = [i for i in ranked[:HOTSPOT_LAYERS] if values[key][i] > 0]
            hotspots.append(Hotspot(key, what, tuple((names[i], values[key][i] / total) for i in top),
                                    sum(values[key][i] for i in top) / total))
        return Findings(tuple(hotspots), self._half_point(values["activations"]),
                        self._half_point(values["params"]), self.training_cost, index, self.step_memory)

    def _half_point(self, values) -> float | None:
        """How far through the layers (0 to 1) half of the quantity is reached."""
        total = sum(values)
        if total <= 0:
            return None
        running = 0
        for position, value in enumerate(values):
            running += value
            if 2 * running >= total:
                return position / max(len(values) - 1, 1)
        return None


def analyse(model, inputs=None, batches=(1,), dtype: str = "fp32", overrides: dict | None = None,
            mode: str = "eval") -> ModelAnalysis:
    """Resolve ``model`` (a shipped name, a path, or a :class:`ModelSpec`), compile it and analyse
    every (input shape, batch) pair in one walk; ``mode="train"`` also runs train-only branches."""
    from .zoo import resolve

    spec = model if isinstance(model, ModelSpec) and not overrides else resolve(model, overrides,
                                                                                inputs[0] if inputs else None)
    return analyse_spec(spec, inputs, batches, dtype, mode)


def analyse_spec(spec: ModelSpec, inputs=None, batches=(1,), dtype: str = "fp32", mode: str = "eval") -> ModelAnalysis:
    for shape in inputs or ():
        spec.check_input(shape)
    graph = spec.graph()
    shapes = inputs or [spec.input_shape()]
    configs = [Config(tuple(shape), batch) for shape in shapes for batch in batches]
    analysis = analyze(graph, configs, dtype, mode)
    return ModelAnalysis(spec, analysis, sum_totals(analysis))
