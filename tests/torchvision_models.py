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

#: torchvision builder → the shipped spec that follows it, where the names differ (the lecture's AlexNet
#: and the paper's GoogLeNet and VGG keep the plain names)
SPEC_OF = {"alexnet": "alexnet_torchvision", "googlenet": "googlenet_torchvision",
           **{f"vgg{depth}": f"vgg{depth}_torchvision" for depth in (11, 13, 16, 19)}}
#: spec variables matching :func:`build_args` (GoogLeNet as its weights ship, without aux heads)
SPEC_VARIABLES = {"googlenet": {"aux": False}}


def spec_of(name: str) -> str:
    return SPEC_OF.get(name, name)


def build_args(name: str, reference: dict) -> dict:
    """Builder arguments for the network the spec describes: no pretrained backbone; GoogLeNet as its
    weights ship (aux heads deleted); Inception v3 with AuxLogits (as its num_params counts; train-only);
    the segmentation models with the aux head their weights ship with (it runs at inference too)."""
    if name == "googlenet":
        return {"aux_logits": False, "init_weights": False}
    if name == "inception_v3":
        return {"aux_logits": True, "init_weights": False}
    if name.startswith(("fcn_", "deeplabv3_", "lraspp_")):
        return {"weights_backbone": None, "aux_loss": reference["includes_aux"] or None}
    return {}


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
