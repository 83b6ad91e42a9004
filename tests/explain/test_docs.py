"""docs/explain.md stays in step with the code."""

import re
from pathlib import Path

from chainrule import explain

DOC = Path(__file__).resolve().parents[2] / "docs" / "explain.md"


def test_the_walkthrough_printed_in_the_docs_is_what_chainrule_explain_prints():
    match = re.search(
        r"<!-- walkthrough: chainrule explain -->\n```text\n(.*?)```\n<!-- end walkthrough -->",
        DOC.read_text(encoding="utf-8"),
        re.S,
    )
    assert match, "docs/explain.md lost its walkthrough block"
    assert match.group(1) == explain.walkthrough().render("text"), (
        "docs/explain.md is stale: paste the output of `chainrule explain` into its walkthrough block"
    )
