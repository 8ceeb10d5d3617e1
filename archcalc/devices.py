"""Accelerators whose memory ``archcalc memory --device`` fits a training step into.

Capacities are the data-sheet figures, read as GiB (GPU memory comes in powers of two: a "16 GB"
V100 holds 16 GiB). Not all of it is the step's: the CUDA context, cuDNN/cuBLAS workspaces and
the caching allocator's rounding take a share, for which ``FRAMEWORK_ALLOWANCE`` is set aside.
A board with ECC enabled may expose a little less (a T4 shows 15,360 MiB); ``--memory`` takes
any exact figure instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ArchcalcError, did_you_mean

GIB = 2**30

#: Set aside from every device for the framework itself (CUDA context ≈ 0.3–0.5 GiB, library
#: workspaces and allocator rounding), so the fit is not quoted to the last byte.
FRAMEWORK_ALLOWANCE = 1 * GIB


@dataclass(frozen=True)
class Device:
    name: str
    title: str
    memory: int     # bytes

    @property
    def usable(self) -> int:
        return self.memory - FRAMEWORK_ALLOWANCE


def _gib(name: str, title: str, gib: int) -> Device:
    return Device(name, title, gib * GIB)


DEVICES: dict[str, Device] = {device.name: device for device in (
    _gib("t4", "NVIDIA T4 16 GB", 16),
    _gib("v100-16gb", "NVIDIA V100 16 GB", 16),
    _gib("v100-32gb", "NVIDIA V100 32 GB", 32),
    _gib("a10", "NVIDIA A10 24 GB", 24),
    _gib("l4", "NVIDIA L4 24 GB", 24),
    _gib("rtx3060", "GeForce RTX 3060 12 GB", 12),
    _gib("rtx3090", "GeForce RTX 3090 24 GB", 24),
    _gib("rtx4080", "GeForce RTX 4080 16 GB", 16),
    _gib("rtx4090", "GeForce RTX 4090 24 GB", 24),
    _gib("rtx-a6000", "NVIDIA RTX A6000 48 GB", 48),
    _gib("l40s", "NVIDIA L40S 48 GB", 48),
    _gib("a100-40gb", "NVIDIA A100 40 GB", 40),
    _gib("a100-80gb", "NVIDIA A100 80 GB", 80),
    _gib("h100-80gb", "NVIDIA H100 80 GB", 80),
    _gib("h200", "NVIDIA H200 141 GB", 141),
    _gib("mi250x", "AMD Instinct MI250X 128 GB", 128),
    _gib("mi300x", "AMD Instinct MI300X 192 GB", 192),
)}


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def device(name: str) -> Device:
    """A device by name, ignoring case, dashes and underscores (``A100-40GB`` == ``a100_40gb``)."""
    wanted = _key(name)
    for known in DEVICES.values():
        if _key(known.name) == wanted:
            return known
    raise ArchcalcError("E504", f"unknown device '{name}'{did_you_mean(name, DEVICES)}; known: "
                                f"{', '.join(DEVICES)} (or give --memory, e.g. 11GiB)")
