"""A small document model for explanations: headings, paragraphs, math
blocks and checks, rendered as plain text, Markdown or a self-contained HTML page.

>>> doc = Document("Title")
>>> doc.heading("1. Forward")
>>> doc.paragraph("z = w·x")
>>> doc.math(["z = 2·3 = 6"])
>>> _ = doc.check("z", 0.0, True, "z equals autograd's")
>>> print(doc.render("markdown"))
# Title
<BLANKLINE>
## 1. Forward
<BLANKLINE>
z = w·x
<BLANKLINE>
```
z = 2·3 = 6
```
<BLANKLINE>
✓ z equals autograd's (max difference 0.0e+00)
<BLANKLINE>
"""

import html
import textwrap
from dataclasses import dataclass


@dataclass
class Check:
    """One comparison shown in a document: what, the largest difference, passed."""

    name: str
    max_diff: float
    passed: bool
    sentence: str

    def text(self, difference_word="max difference", lang="en"):
        mark = "✓" if self.passed else "✗"
        left, right = ("(", ")") if lang == "zh" else (" (", ")")
        return f"{mark} {self.sentence}{left}{difference_word} {self.max_diff:.1e}{right}"


class Document:
    """Blocks in order; ``render(format)`` with format "text", "markdown" or "html"."""

    def __init__(self, title, lang="en", difference_word="max difference"):
        self.title = title
        self.lang = lang
        self.difference_word = difference_word
        self.blocks = []
        self.checks = []

    def heading(self, text, level=2):
        self.blocks.append(("heading", level, text))

    def paragraph(self, text):
        self.blocks.append(("paragraph", text))

    def math(self, lines):
        self.blocks.append(("math", list(lines)))

    def check(self, name, max_diff, passed, sentence):
        check = Check(name, float(max_diff), bool(passed), sentence)
        self.checks.append(check)
        self.blocks.append(("check", check))
        return check

    def render(self, format="text"):
        renderers = {"text": self._text, "markdown": self._markdown, "html": self._html}
        if format not in renderers:
            raise ValueError(f"unknown format {format!r}; choose one of {sorted(renderers)}")
        return renderers[format]()

    def _text(self):
        out = [self.title, "=" * _width(self.title), ""]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                out += [block[2], ("-" if block[1] == 2 else "·") * _width(block[2]), ""]
            elif kind == "paragraph":
                out += [_wrap(block[1], self.lang), ""]
            elif kind == "math":
                out += ["    " + line for line in block[1]] + [""]
            else:
                out += [block[1].text(self.difference_word, self.lang), ""]
        return "\n".join(out)

    def _markdown(self):
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                out += ["#" * block[1] + " " + block[2], ""]
            elif kind == "paragraph":
                out += [block[1], ""]
            elif kind == "math":
                out += ["```", *block[1], "```", ""]
            else:
                out += [block[1].text(self.difference_word, self.lang), ""]
        return "\n".join(out)

    def _html(self):
        from .html import template

        parts = [f"<h1>{html.escape(self.title)}</h1>"]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                parts.append(f"<h{block[1]}>{html.escape(block[2])}</h{block[1]}>")
            elif kind == "paragraph":
                parts.append(f"<p>{html.escape(block[1])}</p>")
            elif kind == "math":
                parts.append("<pre>" + html.escape("\n".join(block[1])) + "</pre>")
            else:
                check = block[1]
                css = "ok" if check.passed else "fail"
                parts.append(
                    f'<p class="check {css}">{html.escape(check.text(self.difference_word, self.lang))}</p>'
                )
        lang = "zh-CN" if self.lang == "zh" else "en"
        return (
            f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(self.title)}</title>\n<style>\n{template('page.css')}</style>\n</head>\n"
            f'<body>\n<article class="walkthrough">\n' + "\n".join(parts) + "\n</article>\n</body>\n</html>\n"
        )


def _width(text):
    """Columns a terminal gives ``text``: CJK characters take two."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def _wrap(text, lang):
    # Chinese has no spaces to break at; the terminal wraps it.
    return text if lang == "zh" else textwrap.fill(text, 88)
