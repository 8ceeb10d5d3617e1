"""docs/reproductions.md quotes archcalc's figures; recompute every one so the page cannot go stale."""

from pathlib import Path

import pytest

DOC = (Path(__file__).parent.parent / "docs" / "reproductions.md").read_text()


def section(title):
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 1)
    return DOC[start:end if end > 0 else None]


def row(text, name):
    """The table row that starts with | name |."""
    lines = [line for line in text.splitlines() if line.startswith(f"| {name} |")]
    assert len(lines) == 1, f"no single row for {name}"
    return lines[0]


def test_vgg16_rows_quote_archcalc(model):
    vgg = model("vgg16")
    text = section("VGG-16")
    for name in ("input", "conv1_1", "conv1_2", "pool1", "conv3_3", "pool5", "fc6", "fc7", "fc8"):
        line = row(text, name)
        assert f"| {vgg.activations(name):,} | {vgg.weights(name):,} |" in line
    totals = vgg.totals
    for value in (totals["params"], totals["weights"], totals["activations"], totals["activation_bytes"],
                  totals["macs"], totals["elementwise"], totals["activations"] + totals["elementwise"],
                  2 * totals["activations"]):
        assert f"{value:,}" in text, value


def test_inception_terms(model):
    text = section("The Inception module")
    assert f"{model('inception_naive').totals['macs']:,}" in text
    reduced = model("inception_reduced")
    assert f"**{reduced.totals['macs']:,}**" in text
    assert f"{reduced.totals['macs'] + reduced.macs('conv3x3'):,}" in text  # the 358M erratum
    for name in ("reduce3x3", "conv1x1", "conv3x3", "conv5x5", "pool_proj"):
        assert f"| {reduced.macs(name):,} |" in text
    ratio = model("inception_naive").totals["macs"] / reduced.totals["macs"]
    assert f"{ratio:.2f}×" in text


def test_alexnet_rows(model):
    text = section("AlexNet")
    alexnet = model("alexnet")
    for name in ("conv1", "conv2", "conv3", "conv4", "conv5", "pool3", "fc6", "fc7", "fc8"):
        shape = "×".join(map(str, alexnet.shape(name)))
        assert f"| {shape} | {alexnet.params(name):,} |" in row(text, name)
    assert f"{alexnet.totals['params']:,}" in text
    assert f"{model('alexnet_2gpu').totals['params']:,}" in text


def googlenet_module(net, prefix):
    rows = [r for n, r in net.rows.items() if n == prefix or n.startswith(prefix + "/")]
    return (sum(int(r.params.weights[0]) for r in rows), sum(int(r.params.trainable[0]) for r in rows),
            sum(int(r.macs[0]) for r in rows))


@pytest.mark.parametrize("name", ["conv1", "inception3a", "inception3b", "inception4a", "inception4b",
                                  "inception4c", "inception4d", "inception4e", "inception5a", "inception5b", "fc"])
def test_googlenet_rows(model, name):
    weights, params, macs = googlenet_module(model("googlenet"), name)
    assert f"| {weights:,} | {params:,} | {macs:,} |" in row(section("GoogLeNet: the paper's table"), name)


def test_googlenet_totals_and_stem(model):
    net = model("googlenet")
    text = section("GoogLeNet: the paper's table")
    assert f"**{net.totals['params']:,}**" in text and f"**{net.totals['macs']:,}**" in text
    stem = section("Seed 004")
    for name in ("conv1", "pool1", "conv2_reduce", "conv2", "pool2"):
        r = net.rows[name]
        work = int(r.macs[0]) or int(r.other_ops["window_reads"][0])
        kb = net.activations(name) * 4 // 1024
        assert f"| {kb} | {net.params(name):,} | {work:,} |" in row(stem, name)
    names = ("conv1", "pool1", "conv2_reduce", "conv2", "pool2")
    assert f"{sum(net.activations(n) for n in names) * 4 // 1024:,} KB" in stem
    assert f"| {sum(net.params(n) for n in names):,} |" in stem
    mflop = sum(int(net.rows[n].macs[0]) + int(net.rows[n].other_ops.get("window_reads", [0])[0]) for n in names)
    assert f"{mflop / 1e6:.1f} (" in stem


def test_vgg_to_28x28_cut_points(model):
    vgg = model("vgg16")
    stem = section("Seed 004")
    order = list(vgg.rows)
    upto = lambda last: order[1:order.index(last) + 1]
    assert f"{sum(vgg.params(n) for n in upto('conv3_2')):,} parameters" in stem
    assert f"{sum(vgg.macs(n) for n in upto('conv3_2')) / 1e6:,.1f}M" in stem
    assert f"{sum(vgg.activations(n) for n in order[:order.index('pool2') + 1]) * 4 // 1024:,} KB" in stem
    assert f"{sum(vgg.activations(n) for n in upto('pool3')) * 4 // 1024:,} KB" in stem


@pytest.mark.parametrize("name", ["vgg11", "vgg11_lrn", "vgg13", "vgg16_c", "vgg16", "vgg19"])
def test_vgg_configurations(model, name):
    assert f"| {model(name).totals['params']:,} |" in row(section("VGG configurations"), next(
        line.split("|")[1].strip() for line in section("VGG configurations").splitlines() if f"({name})" in line))


@pytest.mark.slow  # analyses every zoo row at its table input
def test_zoo_tables_quote_archcalc():
    """Every zoo row: archcalc's params (or params + buffers) and MACs as the row prints them."""
    from archcalc.zoo import catalog, resolve
    from tests.conftest import Result

    text = section("The zoo against torchvision")
    checked = 0
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) < 5 or cells[0] not in catalog():
            continue
        name = cells[0]
        if "×" in cells[1]:  # torchvision table: | model | input | tv params | ours | tv GFLOPS | ours MACs | verdict |
            size = int(cells[1].split("×")[0])
            settings = {"aux": False} if "eval mode" in cells[5] else None
            result = Result(resolve(name, settings), [(3, size, size)])
            assert cells[3] == f"{Result(resolve(name), [(3, size, size)]).totals['params']:,}", name
            assert cells[5].split(" ")[0] == f"{result.totals['macs']:,}", name
        elif " " not in cells[1] and cells[1][:1].isupper():  # Keras table: | model | Keras name | total | ours |
            result = Result(resolve(name))
            assert cells[3] == f"{result.totals['params'] + result.totals['buffers']:,}", name
        else:
            continue
        checked += 1
    assert checked >= 50


@pytest.mark.parametrize("name, settings, value", [
    ("resnet50", {"stride_on": "1x1"}, "macs"), ("resnet101", {"stride_on": "1x1"}, "macs"),
    ("resnet152", {"stride_on": "1x1"}, "macs"), ("se_resnet50", None, "macs"),
    ("se_resnext50_32x4d", None, "macs"), ("inception_resnet_v2", None, "macs"),
    ("xception", None, "params"), ("fractalnet", None, "params"), ("resnet1202", None, "params"),
    ("shufflenet_v1_g3", None, "macs"), ("nasnet_a_large", None, "macs"), ("inception_v3", None, "macs"),
])
def test_zoo_paper_figures(name, settings, value):
    from archcalc.zoo import resolve
    from tests.conftest import Result

    assert f"{Result(resolve(name, settings)).totals[value]:,}" in section("The zoo against torchvision")
