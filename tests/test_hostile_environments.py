"""Mistakes and hostile environments: each gives exit code 2 (130 for Ctrl-C), one clear line and
no traceback — bad options, absurd sizes, endless inputs, encodings, full disks, broken links.

This suite runs as root in CI, where permission bits do not stop anything: unreadable and
read-only directories are simulated by making the system call fail the way it would.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from archcalc import check as checking
from archcalc.cli import main
from archcalc.yamlsource import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parent.parent
SPEC = "name: tiny\ninput: 3x8x8\nlayers:\n  - conv: {name: conv1, out: 4, kernel: 3, padding: 1}\n"


def invoke(*args, input=None, **env):
    result = CliRunner().invoke(main, list(map(str, args)), input=input, env=env or None)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result


def one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if "error" in line.lower()]
    assert len(lines) >= 1, result.output
    return lines[0]


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC)
    return path


# ---- bad options ----

@pytest.mark.parametrize("command", [["summary", "lenet5"], ["compare", "lenet5", "alexnet"]])
@pytest.mark.parametrize("dtype", ["fp8", "", "int4"])
def test_unknown_dtype_is_a_usage_error_listing_the_dtypes(command, dtype):
    result = invoke(*command, "--dtype", dtype)
    assert result.exit_code == 2
    assert "--dtype" in result.output and "fp32" in result.output and "bf16" in result.output


@pytest.mark.parametrize("command", [["summary", "lenet5"], ["compare", "lenet5", "alexnet"], ["verify", "lenet5"]])
def test_huge_batch_names_the_option(command):
    result = invoke(*command, "--batch", "100000000000000000000")
    assert result.exit_code == 2 and "--batch" in result.output


def test_batch_that_overflows_the_counts_is_e306():
    result = invoke("summary", "lenet5", "--batch", str(2**62))
    assert result.exit_code == 2 and "E306" in result.output


# ---- verify refuses before allocating ----

def test_verify_refuses_a_run_larger_than_the_memory_limit():
    # vgg16 at 3×2048×2048, batch 16: conv1_1 alone holds 16·64·2048·2048 fp32 values = 16 GiB.
    result = invoke("verify", "vgg16", "--input", "3x2048x2048", "--batch", "16", "--max-memory", "8GiB")
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "E504" in line and "verify needs about" in line and "8.00GiB is available" in line
    assert "--max-memory" in line


def test_verify_refuses_absurd_sizes_with_the_default_limit():
    result = invoke("verify", "vgg16", "--input", "3x100000x100000")
    assert result.exit_code == 2 and "E504" in result.output and "needs about" in result.output


def test_the_estimate_counts_activation_peak_weights_and_scratch():
    from archcalc.engine import Config, analyze
    from archcalc.verify import memory_needed
    from tests.conftest import spec_from_text

    analysis = analyze(spec_from_text(SPEC).graph(), [Config((3, 8, 8), 2)])
    needed, parts = memory_needed(analysis, 1000)
    # peak: input 2·3·8·8 and conv1's output 2·4·8·8 held together, fp32; weights 4·3·3·3 + 4; scratch 1000
    assert needed == (2 * 3 * 64 + 2 * 4 * 64) * 4 + (4 * 27 + 4) * 4 + 1000
    assert "activation peak" in parts


# ---- every source gets the same size cap; - is standard input ----

@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_endless_devices_stop_at_the_size_cap(device):
    if not Path(device).exists():
        pytest.skip(f"{device} does not exist on this system")
    result = invoke("summary", device)
    assert result.exit_code == 2 and "E106" in result.output and f"{MAX_FILE_BYTES:,}" in result.output


def test_a_fifo_stops_at_the_size_cap(tmp_path):
    fifo = tmp_path / "spec.fifo"
    os.mkfifo(fifo)

    def write_forever():
        try:
            with open(fifo, "wb") as stream:
                chunk = b"# " + b"x" * 65_534 + b"\n"
                for _ in range(MAX_FILE_BYTES // len(chunk) + 10):
                    stream.write(chunk)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write_forever, daemon=True)
    writer.start()
    result = invoke("summary", fifo)
    assert result.exit_code == 2 and "E106" in result.output


def test_dash_reads_the_spec_from_standard_input():
    result = invoke("summary", "-", "--format", "json", input=SPEC)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["totals"]["params"] == 4 * 3 * 9 + 4


def test_standard_input_has_the_same_cap():
    result = invoke("summary", "-", input="#" * (MAX_FILE_BYTES + 10))
    assert result.exit_code == 2 and "<stdin>:1:1: error[E106]" in result.output


# ---- output encodings ----

@pytest.mark.parametrize("command", [["summary", "lenet5"],
                                     pytest.param(["list"], marks=pytest.mark.slow),  # every shipped spec
                                     ["verify", "lenet5"]])
def test_ascii_stdout_falls_back_to_ascii(command):
    env = dict(os.environ, PYTHONIOENCODING="ascii", PYTHONPATH=str(ROOT))
    env.pop("COLUMNS", None)
    done = subprocess.run([sys.executable, "-m", "archcalc", *command], capture_output=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr
    done.stdout.decode("ascii")
    if command[0] == "summary":
        assert b"1x32x32" in done.stdout and b"6x28x28" in done.stdout


def test_cp1252_redirect_falls_back_too(tmp_path):
    env = dict(os.environ, PYTHONIOENCODING="cp1252", PYTHONPATH=str(ROOT))
    out = tmp_path / "out.txt"
    with open(out, "wb") as stream:
        done = subprocess.run([sys.executable, "-m", "archcalc", "summary", "lenet5"], stdout=stream,
                              stderr=subprocess.PIPE, env=env, timeout=300)
    assert done.returncode == 0 and b"Traceback" not in done.stderr
    assert "1×32×32" in out.read_bytes().decode("cp1252")     # cp1252 holds ×; the rest falls back


# ---- Ctrl-C ----

def test_ctrl_c_inside_a_command_exits_130(monkeypatch):
    import archcalc.pipeline

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(archcalc.pipeline, "analyse", interrupted)
    result = CliRunner().invoke(main, ["summary", "lenet5"])
    assert result.exit_code == 130 and "Aborted" not in result.output


def test_ctrl_c_while_importing_exits_130(monkeypatch):
    """The entry point catches Ctrl-C before click, NumPy or rich are imported."""
    import archcalc.__main__ as entry

    class Interrupting:
        def find_spec(self, name, path=None, target=None):
            if name == "archcalc.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "archcalc.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Interrupting()] + sys.meta_path)
    with pytest.raises(SystemExit) as stop:
        entry.run()
    assert stop.value.code == 130


def test_sigint_during_verify_all_exits_130():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, "-m", "archcalc", "verify", "--all"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    first = process.stdout.readline()     # the first model has been verified: well inside the run
    assert first, process.stderr.read()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr
    assert b"Traceback" not in stderr and b"Aborted" not in stderr


# ---- baselines ----

def test_update_baseline_writes_atomically_and_keeps_the_old_file_on_failure(spec_file, tmp_path, monkeypatch):
    baseline = tmp_path / "baseline.json"
    assert invoke("check", spec_file, "--baseline", baseline, "--update-baseline").exit_code == 0
    before = baseline.read_text()
    json.loads(before)

    def disk_full(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checking.os, "fsync", disk_full)
    spec_file.write_text(SPEC.replace("out: 4", "out: 5"))
    result = invoke("check", spec_file, "--baseline", baseline, "--update-baseline")
    assert result.exit_code == 2
    assert "E104" in result.output and "No space left on device" in result.output
    assert baseline.read_text() == before                         # the committed baseline survives
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []   # no litter


def test_atomic_write_replaces_in_one_step(tmp_path, monkeypatch):
    target = tmp_path / "b.json"
    target.write_text("old")
    calls = []
    real_replace = os.replace
    monkeypatch.setattr(checking.os, "replace", lambda a, b: (calls.append((Path(a).parent, Path(b))),
                                                               real_replace(a, b)))
    checking.write_atomically(target, "new")
    assert target.read_text() == "new" and calls == [(tmp_path, target)]


def test_baseline_into_a_missing_directory(spec_file, tmp_path):
    result = invoke("check", spec_file, "--baseline", tmp_path / "missing" / "b.json", "--update-baseline")
    assert result.exit_code == 2 and "E104" in result.output and "cannot write baseline" in result.output


def test_baseline_into_a_read_only_directory(spec_file, tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(checking.tempfile, "mkstemp", read_only)
    result = invoke("check", spec_file, "--baseline", tmp_path / "b.json", "--update-baseline")
    assert result.exit_code == 2 and "E104" in result.output and "Permission denied" in result.output


def test_deeply_nested_baseline(spec_file, tmp_path):
    baseline = tmp_path / "deep.json"
    baseline.write_text("[" * 100_000 + "]" * 100_000)
    result = invoke("check", spec_file, "--baseline", baseline)
    assert result.exit_code == 2 and "E106" in result.output and "nested too deeply" in result.output


@pytest.mark.parametrize("args", [["--baseline", ""], ["--baseline", " "]])
def test_empty_baseline_name_is_a_usage_error(spec_file, args):
    result = invoke("check", spec_file, *args)
    assert result.exit_code == 2 and "--baseline" in result.output


def test_empty_check_path_is_a_usage_error():
    result = invoke("check", "")
    assert result.exit_code == 2 and "empty PATH" in result.output


# ---- check DIR: nothing skipped in silence ----

def test_dangling_and_looping_symlinks_are_located_errors(tmp_path):
    (tmp_path / "net.yaml").write_text(SPEC)
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    result = invoke("check", tmp_path, "--format", "json")
    assert result.exit_code == 2
    problems = {(Path(p["file"]).name, p["code"]): p["message"] for p in json.loads(result.output)["problems"]}
    assert "dangling symlink" in problems[("dangling.yaml", "E104")]
    assert "symlink loop" in problems[("loop.yaml", "E104")]


def test_unreadable_subdirectory_is_a_located_error(tmp_path, monkeypatch):
    (tmp_path / "net.yaml").write_text(SPEC)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.yaml").write_text(SPEC)
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = invoke("check", tmp_path)
    assert result.exit_code == 2
    assert f"{locked}:1:1: error[E104]: cannot read directory {locked}: Permission denied" in result.output


def test_an_unreadable_directory_is_not_called_empty(tmp_path, monkeypatch):
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path=".": (_ for _ in ()).throw(
        PermissionError(errno.EACCES, "Permission denied", str(path))) if Path(path) == tmp_path else real_scandir(path))
    result = invoke("check", tmp_path)
    assert result.exit_code == 2 and "Permission denied" in result.output and "holds no" not in result.output


def test_summary_in_an_untraversable_directory(tmp_path, monkeypatch):
    target = tmp_path / "locked" / "net.yaml"

    def stat(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "stat", stat)
    result = invoke("summary", target)
    assert result.exit_code == 2 and "E104" in result.output and "Permission denied" in result.output


# ---- many input sizes: JSON streamed ----

def test_many_input_sizes_stream_one_record_per_size():
    sizes = range(32, 32 + 4 * 200, 4)     # lenet5 halves twice without rounding: multiples of 4
    result = invoke("summary", "lenet5", "--input", ",".join(f"1x{s}x{s}" for s in sizes), "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [r["input"] for r in records] == [[1, s, s] for s in sizes]
    # C1 is a 5×5 conv to 6 channels: (s-4)²·6·25 MACs at input s
    assert [r["layers"][1]["macs"] for r in records] == [(s - 4) ** 2 * 6 * 25 for s in sizes]
