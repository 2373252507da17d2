"""Shared fixtures for end-to-end tests of the built espburn binary.

ESPBURN_BIN names the binary (scripts/test.sh points it at the ASan build);
the default is build/espburn. The real firmware lives in ../shared/firmware.
"""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("ESPBURN_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "firmware" / "m5stack-lobo-esp32-psram-all-bt"


def espburn_bin():
    return os.environ.get("ESPBURN_BIN", str(ROOT / "build" / "espburn"))


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self):
        return f"rc={self.rc}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run(*args, input=None, timeout=60, cwd=None, env=None):
    """Run espburn with args; returns a Result (rc, out, err as text)."""
    proc = subprocess.run([espburn_bin(), *map(str, args)], input=input, capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=env)
    return Result(proc)


@pytest.fixture
def espburn():
    return run


@pytest.fixture
def seed():
    """The real LoBo MicroPython bundle from ../shared (never edited)."""
    if not SEED.is_dir():
        pytest.fail(f"seed firmware missing: {SEED} (../shared must sit beside the repo)")
    return SEED
