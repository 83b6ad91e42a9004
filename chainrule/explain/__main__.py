"""``python -m chainrule.explain``: the same as ``chainrule explain``."""

from .cli import main

raise SystemExit(main())
