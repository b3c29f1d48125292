import sys

from emulator.cli import run

sys.exit(run())
