"""``python -m chainrule``: the same as the ``chainrule`` command."""

from .cli import main

if __name__ == "__main__":  # not when a test collector imports this module
    raise SystemExit(main())
