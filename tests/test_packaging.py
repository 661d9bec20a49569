"""The project installs the five packages and the console script the README promises."""

import importlib
import shutil
import sys
from pathlib import Path


def test_every_layer_is_an_importable_package() -> None:
    for name in ("rapport", "sync", "rules", "store", "sandbox"):
        module = importlib.import_module(name)
        assert module.__doc__, f"{name} has no docstring saying its role"


def test_the_rapport_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "rapport"
    assert script.exists() or shutil.which("rapport")
