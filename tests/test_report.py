"""archcalc report: one offline HTML page with the totals, the layer table and the pictures."""

import builtins
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc.cli import main
from archcalc.render import diagram as drawing
from archcalc.zoo import resolve
from tests.conftest import Result


class Page(HTMLParser):
    """Tags with their attributes, table rows and cell texts, and every text run."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.rows, self.texts, self.row = [], [], [], None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.row = []
            self.rows.append(self.row)

    def handle_data(self, data):
        self.texts.append(data)
        if self.row is not None and data.strip():
            self.row.append(data.strip())


def report(*args, invoke=None):
    result = (invoke or CliRunner().invoke)(main, ["report", *args], catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def resnet18_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "resnet18.html"
    result = report("resnet18", "-o", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_page_holds_totals_notes_and_every_layer(resnet18_page):
    text = resnet18_page.read_text()
    page = Page(text)
    model = Result(resolve("resnet18"))
    assert "ResNet-18" in text and "He" in text  # title and source
    assert f"{model.totals['params']:,}" in text and f"{model.totals['macs']:,}" in text
    assert "Most parameters:" in text
    body_rows = page.rows[1:]  # after the heading row
    assert len(body_rows) == len(model.graph.nodes)
    by_name = {row[1]: row for row in body_rows}
    assert by_name["conv1"][2:5] == ["conv", "7×7 s2 p3", "64×112×112"]
    sortable = [attrs for tag, attrs in page.tags if tag == "table"]
    assert sortable and "sortable" in sortable[0]["class"]
    cells = re.findall(r'<td class="num" data-sort="(\d+)" title="([\d,]+)">', text)
    assert ("9408", "9,408") in cells  # conv1: 64·3·7·7 weights, exact value kept for sorting


def test_page_makes_no_network_request(resnet18_page):
    text = resnet18_page.read_text()
    page = Page(text)
    assert not re.search(r"https?://", text), "no address at all, not even SVG namespace URLs"
    for tag, attrs in page.tags:
        for key in ("src", "href", "xlink:href", "action", "data"):
            value = attrs.get(key) or ""
            assert not value or value.startswith("#"), (tag, key, value)
        assert not (tag == "link" and "stylesheet" in (attrs.get("rel") or ""))
    assert "default-src 'none'" in text  # and the page forbids requests outright


def test_pictures_are_inline_svg(resnet18_page):
    text = resnet18_page.read_text()
    svgs = text.count("<svg")
    expected = (shutil.which("dot") is not None) + _has_matplotlib()
    assert svgs == expected, "diagram (with Graphviz) and charts (with matplotlib)"


def _has_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def test_report_without_matplotlib_or_graphviz_still_works(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    monkeypatch.setattr(drawing.shutil, "which", lambda name: None)
    path = tmp_path / "lenet.html"
    result = report("lenet5", "-o", str(path))
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert "<svg" not in text and "pip install &#x27;archcalc[plot]&#x27;" in text and "graphviz" in text
    assert "61,706" in text


def test_bad_spec_gives_the_located_error_of_summary(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("input: 3x8x8\nlayers:\n  - conv: {out: 4, kernel: 9}\n")
    result = CliRunner().invoke(main, ["report", str(path)])
    summary = CliRunner().invoke(main, ["summary", str(path)])
    assert result.exit_code == summary.exit_code == 2 and result.output == summary.output


def test_chromium_renders_a_page_that_is_not_blank(resnet18_page):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no headless Chromium here (Debian package 'chromium')")
    Image = pytest.importorskip("PIL.Image", reason="reading the screenshot needs Pillow")
    with tempfile.TemporaryDirectory() as profile:
        shot = Path(profile) / "page.png"
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run",
                        f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1280,1600",
                        resnet18_page.as_uri()], capture_output=True, timeout=120, check=True)
        image = Image.open(shot).convert("L")
        assert image.size == (1280, 1600)
        histogram = image.histogram()
        white = histogram[255] / sum(histogram)
        dark = sum(histogram[:100]) / sum(histogram)
        assert white < 0.97 and dark > 0.005, "text and pictures drawn, not a blank page"
