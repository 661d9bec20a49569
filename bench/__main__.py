"""`python -m bench [NAME ...]`: runs every `bench/bench_*.py` module's `main()` (or only the named ones).

A `main()` may return an exit status (1: over its limit); the run goes on and exits with the worst one.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(names: list[str]) -> int:
    found = sorted(info.name for info in pkgutil.iter_modules([str(Path(__file__).parent)]))
    modules = [name for name in found if name.startswith("bench_")]
    wanted = [name for name in modules if not names or name in names or name.removeprefix("bench_") in names]
    if names and not wanted:
        print(f"no benchmark named {' '.join(names)}; have: {' '.join(modules)}", file=sys.stderr)
        return 2
    status = 0
    for name in wanted:
        print(f"== {name}", flush=True)
        status = max(status, importlib.import_module(f"bench.{name}").main() or 0)
    return status


raise SystemExit(main(sys.argv[1:]))
