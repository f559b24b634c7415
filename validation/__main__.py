"""``python -m validation`` is the ``onegrad`` command."""

from .cli import main

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
