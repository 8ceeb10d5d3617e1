"""ONNX import on torchvision's own models: one of each family, exported by PyTorch, imported by archcalc.

The parameter count must equal PyTorch's sum over the model's parameters, and the multiply-adds the
shipped spec's at the same input — two independent descriptions of the same network (torchvision's
code through PyTorch's exporter, and the spec written from torchvision's definitions) agreeing on every
multiply-add. Batch norm is exported unfolded (``do_constant_folding=False``), as the network is written.

Needs torch, torchvision and onnx; slow tier (each export takes seconds).
"""

from __future__ import annotations

import contextlib
import io
import warnings

import pytest

from archcalc.pipeline import analyse

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytestmark = pytest.mark.slow
from tests import torchvision_models  # noqa: E402

#: torchvision builder → (shipped spec, builder arguments, input). Small inputs where the network allows;
#: AlexNet at 224, where its AdaptiveAvgPool2d((6, 6)) is an identity the exporter can write.
CASES = {
    "alexnet": ("alexnet_torchvision", {}, (3, 224, 224)),
    "googlenet": ("googlenet_torchvision", {"aux_logits": False, "init_weights": False}, (3, 64, 64)),
    "inception_v3": ("inception_v3", {"aux_logits": False, "init_weights": False}, (3, 160, 160)),
    "resnext50_32x4d": ("resnext50_32x4d", {}, (3, 64, 64)),
    "densenet121": ("densenet121", {}, (3, 64, 64)),
    "squeezenet1_0": ("squeezenet1_0", {}, (3, 64, 64)),
    "mobilenet_v3_large": ("mobilenet_v3_large", {}, (3, 64, 64)),
    "shufflenet_v2_x1_0": ("shufflenet_v2_x1_0", {}, (3, 64, 64)),
    "mnasnet1_0": ("mnasnet1_0", {}, (3, 64, 64)),
    "efficientnet_b0": ("efficientnet_b0", {}, (3, 64, 64)),
    "efficientnet_v2_s": ("efficientnet_v2_s", {}, (3, 64, 64)),
    "regnet_y_400mf": ("regnet_y_400mf", {}, (3, 64, 64)),
    "convnext_tiny": ("convnext_tiny", {}, (3, 64, 64)),
    "r2plus1d_18": ("r2plus1d_18", {}, (3, 8, 64, 64)),
    "s3d": ("s3d", {}, (3, 16, 224, 224)),
    "deeplabv3_mobilenet_v3_large": ("deeplabv3_mobilenet_v3_large", {"weights_backbone": None, "aux_loss": True},
                                     (3, 64, 64)),
    "lraspp_mobilenet_v3_large": ("lraspp_mobilenet_v3_large", {"weights_backbone": None}, (3, 64, 64)),
    "fcn_resnet50": ("fcn_resnet50", {"weights_backbone": None, "aux_loss": True}, (3, 64, 64)),
}
#: the spec variables that match the builds above (inception_v3 exported without AuxLogits)
SPEC_ARGS = {"googlenet": {"aux": False}, "inception_v3": {"aux": False}}


@pytest.mark.parametrize("name", list(CASES))
def test_imported_torchvision_model_matches_its_spec(name, tmp_path):
    spec, build, shape = CASES[name]
    models = torchvision_models.load()
    torch.manual_seed(0)
    net = torchvision_models.build(models, name, **build).eval()
    path = tmp_path / f"{name}.onnx"
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, torch.randn(1, *shape), str(path), dynamo=False, opset_version=17,
                          do_constant_folding=False)
    imported = analyse(str(path)).totals
    written = analyse(spec, inputs=[shape], overrides=SPEC_ARGS.get(name)).totals
    assert int(imported["params"][0]) == sum(p.numel() for p in net.parameters())
    assert int(imported["macs"][0]) == int(written["macs"][0])
