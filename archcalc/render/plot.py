"""Charts (matplotlib, the optional extra ``archcalc[plot]``): formatting only.

- :func:`complexity_chart` — the lectures' "accuracy against operations" picture (Canziani, Paszke and
  Culurciello 2017): reported top-1 accuracy against multiply-adds on a log axis, bubble area
  proportional to parameters, every point labelled.
- :func:`per_layer_chart` — parameters, MACs and activation memory of each layer of one model.
- :func:`sweep_chart` — MACs and activation memory against input size, from one engine walk over
  many configurations.

Every number drawn is passed in from the engine's analysis (the :class:`ComplexityPoint` records,
an :class:`~archcalc.engine.Analysis` and its totals); nothing is estimated here. Colours are the
Okabe–Ito palette, safe for colour-blind readers; axes say their units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ArchcalcError
from ..units import human

INSTALL_MATPLOTLIB = "charts need matplotlib: pip install 'archcalc[plot]' (or pip install matplotlib)"

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
             "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000"}
#: Bubble area in points² per million parameters: fixed, so bubbles compare across charts.
AREA_PER_MILLION_PARAMS = 14.0
FORMATS = ("png", "svg")
LABEL_SIZE = 8.5


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend, or a one-line install hint (exit 2)."""
    try:
        import matplotlib
    except ImportError:
        raise ArchcalcError("E504", INSTALL_MATPLOTLIB) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "font.size": 10, "axes.titlesize": 12, "axes.labelsize": 10.5, "axes.spines.top": False,
        "axes.spines.right": False, "axes.grid": True, "grid.color": "#dddddd", "grid.linewidth": 0.6,
        "axes.axisbelow": True, "svg.fonttype": "none", "svg.hashsalt": "archcalc",
        "figure.dpi": 100, "savefig.dpi": 150, "savefig.bbox": "tight", "savefig.pad_inches": 0.15,
    })
    return plt


def save(figure, path: str) -> None:
    """PNG or SVG by the file's extension; without dates, so a committed picture regenerates unchanged."""
    fmt = path.rsplit(".", 1)[-1].lower()
    if fmt not in FORMATS:
        raise ArchcalcError("E504", f"charts are written as .png or .svg, got {path!r}")
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(path, format=fmt, metadata=metadata)


def to_svg_text(figure) -> str:
    """The figure as an SVG document (for the HTML report)."""
    import io

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


# ---- the complexity chart ----

@dataclass(frozen=True)
class ComplexityPoint:
    """One model on the complexity chart: engine totals at the spec's input, reported accuracy."""

    name: str
    macs: int
    params: int
    top1: float
    source: str

    @property
    def gmacs(self) -> float:
        return self.macs / 1e9


def complexity_chart(points: list[ComplexityPoint], title: str | None = None):
    """Top-1 accuracy against GMACs (log axis); bubble area ∝ parameters; colour says who reported."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(10, 6.2) if len(points) <= 15 else (15, 9.5) if len(points) <= 40 else (18, 11.5))
    torchvision = [p for p in points if p.source.startswith("torchvision")]
    others = [p for p in points if not p.source.startswith("torchvision")]
    for group, colour, label in ((torchvision, OKABE_ITO["blue"], "accuracy from torchvision's weights"),
                                 (others, OKABE_ITO["vermillion"], "accuracy from the paper or release")):
        if not group:
            continue
        group = sorted(group, key=lambda p: -p.params)  # small bubbles drawn over large ones
        axes.scatter([p.gmacs for p in group], [p.top1 for p in group],
                     s=[p.params / 1e6 * AREA_PER_MILLION_PARAMS for p in group], color=colour, alpha=0.45,
                     edgecolors=colour, linewidths=1.2, label=label, zorder=3, gid="models")
    axes.set_xscale("log")
    _plain_log_ticks(axes.xaxis)
    axes.set_xlabel("Multiply-adds per image (GMACs, log scale; 1 MAC = 2 FLOPs)")
    axes.set_ylabel("ImageNet-1K top-1 accuracy (%)")
    axes.set_title(title or "Accuracy against computation; bubble area ∝ parameters", loc="left")
    _pad_axes(axes, points)
    _label_points(figure, axes, points)
    _legends(axes, points, len(torchvision) and len(others))
    figure.text(0.01, -0.01, "MACs: archcalc at each spec's own input. Accuracy: reported single-model "
                "numbers, as written in each spec's 'accuracy' (source and evaluation crop there).",
                fontsize=8, color="#555555", ha="left", va="top")
    return figure


def _plain_log_ticks(axis) -> None:
    """1-2-5 ticks written as plain numbers (0.5, 1, 2) rather than powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def _pad_axes(axes, points) -> None:
    xs = np.array([p.gmacs for p in points])
    ys = np.array([p.top1 for p in points])
    low, high = xs.min(), xs.max()
    axes.set_xlim(low / 1.8, high * 1.8)
    span = max(ys.max() - ys.min(), 4.0)
    axes.set_ylim(ys.min() - 0.12 * span, ys.max() + 0.12 * span)


def _label_points(figure, axes, points) -> None:
    """Name every bubble. Each label takes, among places around its bubble at growing distances, the one
    that covers no other label and the fewest other bubbles; a label set off from its bubble gets a
    leader line."""
    from matplotlib.font_manager import FontProperties

    renderer = figure.canvas.get_renderer()
    pixels_per_point = figure.dpi / 72
    font = FontProperties(size=LABEL_SIZE)
    frame = axes.get_window_extent(renderer)
    centres = axes.transData.transform([(p.gmacs, p.top1) for p in points])
    radii = [np.sqrt(p.params / 1e6 * AREA_PER_MILLION_PARAMS / np.pi) * pixels_per_point for p in points]
    taken: list[tuple] = []
    directions = [0, 180, 90, 270, 30, 330, 150, 210, 60, 300, 120, 240]
    for i in sorted(range(len(points)), key=lambda k: centres[k][0]):
        width, height, _ = renderer.get_text_width_height_descent(points[i].name, font, ismath=False)
        cx, cy = centres[i]
        best = None
        for extra in (3, 10, 20, 34, 52, 75):
            for angle in directions:
                cos, sin = np.cos(np.radians(angle)), np.sin(np.radians(angle))
                distance = radii[i] + extra * pixels_per_point
                ax_, ay_ = cx + distance * cos, cy + distance * sin
                x0 = ax_ if cos > 0.3 else ax_ - width if cos < -0.3 else ax_ - width / 2
                y0 = ay_ if sin > 0.3 else ay_ - height if sin < -0.3 else ay_ - height / 2
                box = (x0 - 2, y0 - 1, x0 + width + 2, y0 + height + 1)
                if box[0] < frame.x0 or box[2] > frame.x1 or box[1] < frame.y0 or box[3] > frame.y1:
                    continue
                if any(_boxes_overlap(box, other) for other in taken):
                    continue
                covered = sum(1 for k in range(len(points)) if _box_meets_circle(box, centres[k], radii[k] + 1))
                own = _gap(box, centres[i], radii[i])
                closer = sum(1 for k in range(len(points)) if k != i and _gap(box, centres[k], radii[k]) < own)
                cost = covered * 10 + closer * 4 + extra
                if best is None or cost < best[0]:
                    best = (cost, box, ax_ - cx, ay_ - cy, cos, sin, extra)
            if best is not None and best[0] < 10:
                break
        if best is None:  # nowhere free: to the right, possibly overlapping
            best = (0, (cx, cy, cx + width, cy + height), radii[i] + 3, 0.0, 1.0, 0.0, 3)
        _, box, dx, dy, cos, sin, extra = best
        taken.append(box)
        ha = "left" if cos > 0.3 else "right" if cos < -0.3 else "center"
        va = "bottom" if sin > 0.3 else "top" if sin < -0.3 else "center"
        leader = {"arrowstyle": "-", "color": "#666666", "lw": 0.7, "shrinkA": 0,
                  "shrinkB": radii[i] / pixels_per_point} if extra >= 10 else None
        axes.annotate(points[i].name, (points[i].gmacs, points[i].top1), xytext=(dx / pixels_per_point,
                      dy / pixels_per_point), textcoords="offset points", ha=ha, va=va, fontsize=LABEL_SIZE,
                      color="#1a1a1a", zorder=4, arrowprops=leader)


def _boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _gap(box, centre, radius) -> float:
    """How far a label box is from a bubble's rim (negative inside it): which bubble a reader pairs it with."""
    nearest_x = min(max(centre[0], box[0]), box[2])
    nearest_y = min(max(centre[1], box[1]), box[3])
    return float(np.hypot(nearest_x - centre[0], nearest_y - centre[1])) - radius


def _box_meets_circle(box, centre, radius) -> bool:
    nearest_x = min(max(centre[0], box[0]), box[2])
    nearest_y = min(max(centre[1], box[1]), box[3])
    return (nearest_x - centre[0]) ** 2 + (nearest_y - centre[1]) ** 2 < radius ** 2


def _legends(axes, points, two_sources) -> None:
    """Bubble-size key and (when both occur) the colour key, outside the plotting area."""
    largest = max(p.params for p in points)
    sizes = [s for s in (1e6, 5e6, 25e6, 100e6) if s <= largest * 1.5][-3:] or [largest]
    handles = [axes.scatter([], [], s=s / 1e6 * AREA_PER_MILLION_PARAMS, color="#bbbbbb", edgecolors="#555555")
               for s in sizes]
    size_legend = axes.legend(handles, [f"{s / 1e6:g}M params" for s in sizes], title="Bubble area",
                              loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, labelspacing=1.6,
                              borderpad=0.8, handletextpad=1.2, scatterpoints=1)
    if two_sources:
        axes.add_artist(size_legend)
        colour_legend = axes.legend(loc="lower left", bbox_to_anchor=(1.01, 0.0), frameon=False, title="Colour",
                                    markerscale=0.35, scatterpoints=1)
        for handle in colour_legend.legend_handles:
            handle.set_sizes([60])


# ---- per-layer bars ----

def _scale(values) -> tuple[float, str]:
    """A divisor and prefix that keep the largest value between 1 and 1000: (1e6, 'M')."""
    top = max(float(np.max(values)) if len(values) else 0.0, 1.0)
    for divisor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if top >= divisor:
            return divisor, prefix
    return 1.0, ""


def per_layer_chart(spec, analysis, index: int = 0, width: float | None = None):
    """Three bar panels over the layers that have parameters, MACs or new memory."""
    plt = pyplot()
    rows = [r for r in analysis.rows if int(r.params.trainable[index]) or int(r.macs[index])
            or int(r.activations[index])]  # the input is a row, as in the lecture tables
    names = [r.name for r in rows]
    element_bytes = analysis.element_bytes
    series = [
        ("params", np.array([int(r.params.trainable[index]) for r in rows]), "Parameters", "", OKABE_ITO["blue"]),
        ("macs", np.array([int(r.macs[index]) for r in rows]), "Multiply-adds", "MACs", OKABE_ITO["orange"]),
        ("activation_bytes", np.array([int(r.activations[index]) * element_bytes for r in rows]),
         "Activation memory", "B", OKABE_ITO["green"]),
    ]
    width = width or min(max(8.0, 0.28 * len(rows) + 2.5), 22.0)  # inches
    figure, panels = plt.subplots(3, 1, figsize=(width, 8.2), sharex=True)
    positions = np.arange(len(rows))
    for axes, (key, values, label, unit, colour) in zip(panels, series):
        divisor, prefix = _scale(values)
        if unit == "B" and prefix == "K":
            prefix = "k"  # SI kilobyte, as the tables print it
        axes.bar(positions, values / divisor, color=colour, width=0.75, gid=key)
        unit_text = f"{prefix}{unit}" if unit else (f"{prefix}" if prefix else "count")
        total = human(int(values.sum()), suffix="B" if unit == "B" else "")
        axes.set_ylabel(f"{label}\n({unit_text}" + (f", {analysis.dtype})" if key == "activation_bytes" else ")")
                        + f"\ntotal {total}")
        axes.grid(axis="x", visible=False)
    step = max(1, int(np.ceil(len(rows) / ((width - 1.5) * 72 / 10))))  # names 10 points apart at least
    panels[-1].set_xticks(positions[::step])
    panels[-1].set_xticklabels(names[::step], rotation=90, fontsize=7.5 if len(rows) > 30 else 8.5)
    panels[-1].set_xlabel("Layer (in network order; layers without parameters, MACs or new memory left out)"
                          + (f"; every {_ordinal(step)} name shown" if step > 1 else ""))
    config = analysis.configs[index]
    figure.suptitle(f"{spec.title}, layer by layer (input {'×'.join(map(str, config.input_shape))}, "
                    f"batch {config.batch})", x=0.01, ha="left", fontsize=12)
    figure.align_ylabels(panels)
    figure.tight_layout()
    return figure


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


# ---- sweeps ----

def sweep_axis(analysis, native=None) -> tuple[np.ndarray, str, float | None]:
    """The x values of a sweep, their label, and where the spec's own input ``native`` falls: the
    side length when every input is a square (cube, segment), else the spatial elements per channel."""
    shapes = np.array([c.input_shape for c in analysis.configs])
    spatial = shapes[:, 1:]
    rank = spatial.shape[1]
    if rank and np.all(spatial == spatial[:, :1]):
        marker = native[1] if native is not None and len(set(native[1:])) == 1 and len(native) == rank + 1 else None
        return spatial[:, 0], f"Input side s (input {shapes[0][0]}" + "×s" * rank + ")", marker
    if rank:
        marker = int(np.prod(native[1:])) if native is not None and len(native) == rank + 1 else None
        return np.prod(spatial, axis=1), "Input size (spatial elements per channel)", marker
    return shapes[:, 0], "Input features", (native[0] if native is not None else None)


def sweep_chart(spec, analysis, totals, native=None):
    """MACs (left) and activation memory (right) against input size; ``native`` (the spec's own input
    shape) is marked when it lies in the range."""
    plt = pyplot()
    xs, xlabel, marker = sweep_axis(analysis, native)
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6))
    divisor, prefix = _scale(totals["macs"])
    left.plot(xs, totals["macs"] / divisor, marker="o", markersize=4, color=OKABE_ITO["orange"], linewidth=2,
              gid="macs")
    left.set_ylabel(f"Multiply-adds per image ({prefix}MACs)")
    memory_divisor, memory_prefix = _scale(totals["activation_bytes"])
    memory_prefix = "k" if memory_prefix == "K" else memory_prefix
    right.plot(xs, totals["activation_bytes"] / memory_divisor, marker="o", markersize=4, color=OKABE_ITO["green"],
               linewidth=2, label="all layer outputs (kept for training)", gid="activation_bytes")
    right.plot(xs, totals["peak_activation_bytes"] / memory_divisor, marker="s", markersize=4,
               color=OKABE_ITO["purple"], linewidth=2, linestyle="--", label="inference peak (freed after last use)",
               gid="peak_activation_bytes")
    right.set_ylabel(f"Activation memory ({memory_prefix}B, {analysis.dtype}, batch {analysis.configs[0].batch})")
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False, fontsize=9, ncol=2)
    for axes in (left, right):
        axes.set_xlabel(xlabel)
        axes.set_ylim(bottom=0)
        if marker is not None and xs.min() <= marker <= xs.max():
            axes.axvline(marker, color="#777777", linestyle=":", linewidth=1)
            axes.text(marker, 0.98, f"spec input {marker} ", transform=axes.get_xaxis_transform(), fontsize=8,
                      color="#555555", rotation=90, ha="right", va="top")
    figure.suptitle(f"{spec.title}: cost against input size ({len(xs)} sizes, one engine walk)", x=0.01,
                    ha="left", fontsize=12)
    figure.tight_layout()
    return figure
