"""Runs the generator's command line."""

from sandbox.generator.cli import main

raise SystemExit(main())
