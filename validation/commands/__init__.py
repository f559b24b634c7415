"""Subcommands of ``onegrad``: one module each, with ``register(subparsers)``."""
