"""Rapport's application shell: CLI, daemon, config loading and OAuth. Nothing below imports it."""
