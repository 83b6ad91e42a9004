"""Write docs/derivatives.md: every primitive's derivative, from its docstring.

The docstring of each Primitive subclass states the local derivative it
implements; this table gathers them so a learner can read the whole
chain-rule vocabulary of the library in one place. A test keeps the file in
step with the code: run `python docs/generate_derivatives.py` after
changing a rule.
"""

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

import chainrule.ops
from chainrule.autograd.function import Primitive

OUTPUT = Path(__file__).with_name("derivatives.md")


def primitives():
    """(module name, class) for every Primitive defined in chainrule.ops, in source order."""
    found = []
    for info in sorted(pkgutil.iter_modules(chainrule.ops.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"chainrule.ops.{info.name}")
        classes = [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Primitive) and cls.__module__ == module.__name__
        ]
        classes.sort(key=lambda cls: inspect.getsourcelines(cls)[1])
        found.extend((info.name, cls) for cls in classes)
    return found


def render():
    lines = [
        "# Derivatives of chainrule's primitives",
        "",
        "Generated from the docstrings in `chainrule/ops/` by `docs/generate_derivatives.py`.",
        "Each row is one primitive: its forward formula and the local derivative that",
        "backward multiplies the incoming gradient by (the chain rule). Ops not listed",
        "here are compositions of these and get their gradients from them.",
        "",
    ]
    current = None
    for module_name, cls in primitives():
        if module_name != current:
            if current is not None:
                lines.append("")
            lines += [f"## ops/{module_name}.py", "", "| primitive | forward and derivative |", "|---|---|"]
            current = module_name
        doc = " ".join(inspect.getdoc(cls).split("\n\n")[0].split())
        flags = " *(once differentiable)*" if cls.once_differentiable else ""
        lines.append(f"| `{cls.__name__}` | {doc.replace('|', '&#124;')}{flags} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render())
    print(f"wrote {OUTPUT}", file=sys.stderr)
