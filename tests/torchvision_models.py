"""torchvision's own model definitions, as the oracle for the torchvision-derived specs.

torchvision's wheels are built against a CUDA PyTorch, so its compiled operators (NMS, RoIAlign,
deformable convolution) cannot load beside the CPU PyTorch the tests use. The classification,
segmentation and video models never call them; only the import registers their fake (meta)
implementations, which fails when the operators do not exist. Those registrations are skipped while
importing, and nothing else: every module the tests build is torchvision's Python source, unchanged.
"""

from __future__ import annotations

import importlib.util
from unittest import mock

import pytest

#: The version the CI installs (`pip install --no-deps torchvision==…`, see .ci/run).
TORCHVISION_VERSION = "0.28.0"


def import_if_installed():
    """Import torchvision (if installed) with its operator registrations skipped, before anything else
    imports it: ptflops tries ``import torchvision.ops`` and expects an ImportError at worst."""
    if importlib.util.find_spec("torchvision") is None:
        return None
    import torch

    with mock.patch.object(torch.library, "register_fake", lambda *args, **kwargs: (lambda function: function)):
        import torchvision.models
        import torchvision.models.segmentation
        import torchvision.models.video
    return torchvision.models


def load():
    """torchvision.models, or a skip naming why (torchvision not installed)."""
    models = import_if_installed()
    if models is None:
        pytest.skip(f"torchvision is not installed (pip install --no-deps torchvision=={TORCHVISION_VERSION})")
    return models


def build(models, name: str, **kwargs):
    """The named torchvision builder from the classification, segmentation or video families, untrained."""
    for family in (models, models.segmentation, models.video):
        builder = getattr(family, name, None)
        if callable(builder):
            return builder(weights=None, **kwargs)
    raise KeyError(f"torchvision has no model builder named {name!r}")
