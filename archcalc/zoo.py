"""The shipped specs: found by name (``vgg16``) wherever the package is installed."""

from __future__ import annotations

from functools import lru_cache
import re
from pathlib import Path

from .errors import ArchcalcError, Location, did_you_mean
from .spec import ModelSpec, load_specs
from .yamlsource import STDIN_NAME, read_text


def specs_dir() -> Path:
    """The directory of shipped YAML specs: ``archcalc/specs`` when installed (the package
    ``archcalc.specs``), ``specs/`` in the source tree. Found by path, without importlib.resources,
    which costs tens of milliseconds of start-up."""
    package = Path(__file__).resolve().parent
    installed = package / "specs"
    if installed.is_dir() and any(installed.glob("*.yaml")):
        return installed
    return package.parent / "specs"


@lru_cache(maxsize=1)
def catalog() -> dict[str, ModelSpec]:
    """Every shipped model by name, in file order."""
    models: dict[str, ModelSpec] = {}
    for path in sorted(specs_dir().glob("*.yaml")):
        for spec in load_specs(path):
            if spec.name in models:
                raise RuntimeError(f"shipped model name {spec.name!r} defined twice ({models[spec.name].file}, {path})")
            models[spec.name] = spec
    return models


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; a directory that cannot be searched is a located error, not a crash."""
    try:
        return path.exists()
    except OSError as error:
        raise ArchcalcError("E104", f"cannot read {path}: {error.strerror or error}",
                            Location(str(path), 1, 1)) from None


def resolve(name_or_path: str, overrides: dict | None = None, input_shape: tuple | None = None) -> ModelSpec:
    """A shipped model by name, the (first) model of a YAML file, or an ONNX file (imported);
    ``-`` reads standard input.

    ``file.yaml:variant`` picks one variant of a file that defines several. ``input_shape``
    fixes an ONNX file's input dimensions (needed where the file leaves them dynamic).
    """
    from .onnx_import import is_onnx_path, load_onnx_spec

    if not name_or_path:
        raise ArchcalcError("E504", "MODEL is empty: name a shipped spec (see 'archcalc list'), a YAML file or -")
    if is_onnx_path(name_or_path):
        spec = load_onnx_spec(name_or_path, input_shape)
        return ModelSpec(spec.name, spec.file, spec.document, None, dict(overrides)) if overrides else spec
    path_text, _, variant = name_or_path.partition(":") if name_or_path.count(":") == 1 and not \
        _exists(Path(name_or_path)) else (name_or_path, "", "")
    path = Path(path_text)
    if path_text == "-":
        specs = load_specs(STDIN_NAME, read_text("-"))
    elif path.suffix in (".yaml", ".yml") or _exists(path):
        specs = load_specs(path)
    else:
        specs = None
    if specs is None:
        spec = _shipped(name_or_path)
    elif variant:
        matches = [s for s in specs if s.name == variant]
        if not matches:
            raise ArchcalcError("E504", f"{path_text} has no variant '{variant}'"
                                        f"{did_you_mean(variant, [s.name for s in specs])}",
                                Location(str(path_text), 1, 1))
        spec = matches[0]
    else:
        spec = specs[0]
    if overrides:
        spec = ModelSpec(spec.name, spec.file, spec.document, spec.variant, dict(overrides))
    return spec


def _shipped(name: str) -> ModelSpec:
    """A shipped model by name: parse only the files that can hold it, then everything."""
    key = re.compile(rf"^\s*{re.escape(name)}\s*:", re.MULTILINE)
    for path in sorted(specs_dir().glob("*.yaml")):
        if path.stem == name or key.search(path.read_text(encoding="utf-8")):
            for spec in load_specs(path):
                if spec.name == name:
                    return spec
    models = catalog()
    if name not in models:
        raise ArchcalcError("E504", f"no shipped model or file named '{name}'"
                                    f"{did_you_mean(name, models)}; see 'archcalc list'")
    return models[name]
