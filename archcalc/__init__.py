"""archcalc: what does this network cost?"""

__version__ = "0.1.0"
