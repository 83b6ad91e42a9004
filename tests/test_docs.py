"""The generated documentation stays in step with the code."""

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_derivatives_table_matches_the_primitives_docstrings():
    spec = importlib.util.spec_from_file_location("generate_derivatives", DOCS / "generate_derivatives.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert (DOCS / "derivatives.md").read_text() == generator.render(), (
        "docs/derivatives.md is stale: run `python docs/generate_derivatives.py`"
    )


def test_every_primitive_states_its_rule_in_its_docstring():
    spec = importlib.util.spec_from_file_location("generate_derivatives", DOCS / "generate_derivatives.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    undocumented = [cls.__name__ for _, cls in generator.primitives() if not (cls.__doc__ or "").strip()]
    assert not undocumented, f"primitives without a derivative docstring: {undocumented}"
