"""archcalc plot: valid PNG/SVG files whose plotted numbers are the engine's."""

import builtins
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("matplotlib", reason="charts need the optional extra archcalc[plot] (matplotlib)")

from archcalc import pipeline  # noqa: E402
from archcalc.cli import main  # noqa: E402
from archcalc.render import plot as charts  # noqa: E402
from archcalc.zoo import resolve  # noqa: E402
from tests.conftest import Result  # noqa: E402
from tests.reference_numbers import TORCHVISION  # noqa: E402
from tests.test_accuracy import TORCHVISION_ACCURACY  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def figures(monkeypatch):
    """Every figure a command saves, kept for the test to read its data."""
    saved = []
    original = charts.save

    def keep(figure, path):
        saved.append(figure)
        original(figure, path)

    monkeypatch.setattr(charts, "save", keep)
    return saved


def test_complexity_chart_plots_engine_macs_reported_accuracy_and_params(tmp_path, figures):
    names = ["resnet50", "vgg16", "mobilenet_v2"]
    path = tmp_path / "complexity.png"
    result = run("plot", *names, "-o", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_bytes().startswith(PNG) and path.stat().st_size > 20_000
    axes = figures[0].axes[0]
    plotted = {}
    for collection in axes.collections:
        for (x, y), size in zip(collection.get_offsets(), collection.get_sizes()):
            plotted[round(float(y), 3)] = (float(x), float(size))
    for name in names:
        totals = Result(resolve(name)).totals
        x, size = plotted[TORCHVISION_ACCURACY[name][0]]
        assert x == totals["macs"] / 1e9
        assert abs(x - TORCHVISION[name]["gflops"]) <= 0.0005 + 1e-9  # and that is torchvision's published figure
        assert size == pytest.approx(totals["params"] / 1e6 * charts.AREA_PER_MILLION_PARAMS)
    assert axes.get_xscale() == "log"
    assert "GMACs" in axes.get_xlabel() and "top-1 accuracy (%)" in axes.get_ylabel()
    assert sorted(text.get_text() for text in axes.texts) == sorted(names)  # every point labelled


def test_models_without_reported_accuracy_are_named_and_left_out(tmp_path):
    result = run("plot", "alexnet", "resnet18", "-o", str(tmp_path / "c.svg"))
    assert result.exit_code == 0
    assert "alexnet: no reported accuracy" in result.output
    result = CliRunner().invoke(main, ["plot", "alexnet", "-o", str(tmp_path / "d.svg")])
    assert result.exit_code == 2 and "none of the models has a reported accuracy" in result.output


@pytest.mark.slow  # analyses every shipped spec (about 14 s); the per-spec checks run in the default tier
def test_zoo_chart_is_an_svg_with_every_model_that_has_accuracy(tmp_path, figures):
    path = tmp_path / "zoo.svg"
    assert run("plot", "--zoo", "-o", str(path)).exit_code == 0
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = path.read_text()
    for name in ("resnet50", "efficientnet_b7", "squeezenet1_1", "se_resnet50"):
        assert f">{name}<" in text  # labels stay text (svg.fonttype none)
    labels = {t.get_text() for t in figures[0].axes[0].texts}
    assert len(labels) == sum(len(c.get_offsets()) for c in figures[0].axes[0].collections) >= 50


def test_per_layer_bars_are_the_layers_numbers(tmp_path, figures):
    path = tmp_path / "vgg16-layers.png"
    assert run("plot", "vgg16", "--per-layer", "-o", str(path)).exit_code == 0
    assert path.read_bytes().startswith(PNG)
    params_axes, macs_axes, memory_axes = figures[0].axes
    names = [t.get_text() for t in memory_axes.get_xticklabels()]
    model = Result(resolve("vgg16"))
    for axes, value in ((params_axes, model.params), (macs_axes, model.macs),
                        (memory_axes, lambda name: model.activations(name) * 4)):
        heights = np.array([bar.get_height() for bar in axes.patches])
        divisor = {"G": 1e9, "M": 1e6, "K": 1e3, "k": 1e3}.get(axes.get_ylabel().split("(")[1][0], 1)
        assert heights * divisor == pytest.approx([value(name) for name in names], rel=1e-12)
    # fc6: 7·7·512 inputs × 4096 outputs + 4096 biases
    assert params_axes.patches[names.index("fc6")].get_height() * 1e6 == pytest.approx(25088 * 4096 + 4096)
    assert names[0] == "input" and "total 138M" in params_axes.get_ylabel()


def test_sweep_is_one_engine_walk_and_plots_its_totals(tmp_path, figures, monkeypatch):
    walks = []
    original = pipeline.analyze

    def counted(graph, configs, dtype="fp32", mode="eval"):
        walks.append(len(configs))
        return original(graph, configs, dtype, mode)

    monkeypatch.setattr(pipeline, "analyze", counted)  # the engine walk every command goes through
    path = tmp_path / "sweep.svg"
    assert run("plot", "resnet50", "--sweep", "3x128x128:3x640x640", "-o", str(path)).exit_code == 0
    assert walks == [17]  # 128, 160, …, 640 in one walk
    ElementTree.parse(path)
    macs_axes, memory_axes = figures[0].axes
    (macs_line,) = [line for line in macs_axes.lines if line.get_gid() == "macs"]
    sides = macs_line.get_xdata()
    assert list(sides) == list(range(128, 641, 32))
    model = Result(resolve("resnet50"), [(3, s, s) for s in sides])
    assert list(macs_line.get_ydata()) == pytest.approx(model.totals_arrays["macs"] / 1e9, rel=1e-12)
    at_224 = macs_line.get_ydata()[list(sides).index(224)]
    assert abs(at_224 - TORCHVISION["resnet50"]["gflops"]) <= 0.0005 + 1e-9
    (memory_line,) = [line for line in memory_axes.lines if line.get_gid() == "activation_bytes"]
    assert list(memory_line.get_ydata()) == pytest.approx(model.totals_arrays["activation_bytes"] / 1e6, rel=1e-12)


@pytest.mark.parametrize("args, message", [
    (["resnet50", "vgg16", "--per-layer"], "exactly one MODEL"),
    (["resnet50", "--sweep", "3x128x128"], "START:STOP"),
    (["resnet50", "--sweep", "3x128x128:3x128x128"], "single size"),
    (["--zoo", "resnet50"], "or use --zoo"),
])
def test_usage_errors_exit_2(tmp_path, args, message):
    result = CliRunner().invoke(main, ["plot", *args, "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and message in result.output


def test_missing_matplotlib_is_one_line_and_exit_2(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    result = CliRunner().invoke(main, ["plot", "resnet50", "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "pip install 'archcalc[plot]'" in result.output


def test_sweep_sizes_step_along_the_widest_range():
    from archcalc.cli import _parse_sweep

    assert _parse_sweep("3x128x128:3x640x640") == [(3, s, s) for s in range(128, 641, 32)]
    assert _parse_sweep("3x128x128:3x600x600")[-1] == (3, 576, 576)  # STOP is off the 32-pixel grid
    assert _parse_sweep("3x100x200:3x300x600:100") == [(3, 100, 200), (3, 150, 300), (3, 200, 400),
                                                       (3, 250, 500), (3, 300, 600)]
