"""The `reviewbot` command line: one module per command group (see main.py)."""

from bot.cli.main import main

__all__ = ["main"]
