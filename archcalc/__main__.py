"""The ``archcalc`` command and ``python -m archcalc``.

Nothing is imported before the handler is in place, so Ctrl-C at any moment — while click,
NumPy or rich are still loading, too — ends with exit code 130 and no traceback.
"""

import sys

#: Exit code for Ctrl-C, as shells report a process ended by SIGINT.
INTERRUPTED = 130


def run() -> None:
    try:
        from .cli import main

        main(prog_name="archcalc")
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        sys.exit(INTERRUPTED)


if __name__ == "__main__":
    run()
