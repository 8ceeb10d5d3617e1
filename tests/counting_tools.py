"""The counting tools themselves: torchinfo, fvcore, ptflops (aten and pytorch backends) and thop, each
run on a PyTorch network the way its documentation shows, returning the figures it prints.

Needs torch and the tools (pip install --no-deps torchinfo fvcore ptflops ultralytics-thop, plus fvcore's
iopath, yacs, tabulate, termcolor, portalocker, tqdm; the versions are in .ci/run); a tool that is not
installed skips its tests with the reason shown (pytest -rs).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import warnings

import pytest

TOOLS = {"torchinfo": "torchinfo", "fvcore": "fvcore.nn", "ptflops": "ptflops", "ptflops-pytorch": "ptflops",
         "thop": "thop"}


def _tool(module: str):
    from tests.torchvision_models import import_if_installed

    import_if_installed()   # a tool that imports torchvision itself would fail on its compiled operators
    try:
        return importlib.import_module(module)
    except ImportError as error:
        pytest.skip(f"{module} is not installed ({error}); pip install torchinfo fvcore ptflops ultralytics-thop")


def _quietly(run):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.CRITICAL)
        try:
            return run()
        finally:
            logging.disable(logging.NOTSET)


def measure(tool: str, net, x) -> dict:
    """The tool's own figures for ``net`` on input ``x`` (batch included)."""
    module = _tool(TOOLS[tool])
    if tool == "torchinfo":
        stats = _quietly(lambda: module.summary(net, input_data=x, verbose=0, mode="eval"))
        return {"ops": stats.total_mult_adds, "params": stats.total_params,
                "forward_backward_pass_size": stats.total_output_bytes, "params_size": stats.total_param_bytes,
                "input_size": stats.total_input}
    if tool == "fvcore":
        def run():
            analysis = module.FlopCountAnalysis(net, x)
            analysis.unsupported_ops_warnings(False)
            analysis.uncalled_modules_warnings(False)
            return analysis.total(), dict(analysis.by_operator())
        ops, by_operator = _quietly(run)
        return {"ops": ops, "params": module.parameter_count(net)[""], "by_operator": by_operator}
    if tool.startswith("ptflops"):
        backend = "pytorch" if tool == "ptflops-pytorch" else "aten"
        macs, params = _quietly(lambda: module.get_model_complexity_info(
            net, tuple(x.shape[1:]), as_strings=False, print_per_layer_stat=False, backend=backend,
            input_constructor=lambda _: x))
        return {"ops": macs, "params": params}
    ops, params = _quietly(lambda: module.profile(net, inputs=(x,), verbose=False))
    return {"ops": int(ops), "params": int(params)}
