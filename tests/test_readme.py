"""The README's Python example runs as written (so the front page stays true)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "the README has no Python example"
    monkeypatch.chdir(tmp_path)  # it writes trace.html and model.safetensors
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})
    assert (tmp_path / "trace.html").stat().st_size > 0
    assert (tmp_path / "model.safetensors").stat().st_size > 0
    assert "Sigmoid" in capsys.readouterr().out
