"""The layer types the spec language knows. Importing this package registers them all."""

from . import activation, conv, norm, pool, resample, residual, scale, structure, tensor  # noqa: F401  (registration side effects)
from .base import ALIASES, REGISTRY, Layer, lookup

__all__ = ["ALIASES", "REGISTRY", "Layer", "lookup"]
