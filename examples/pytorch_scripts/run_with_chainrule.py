"""Run an unmodified PyTorch script on chainrule.

    python examples/pytorch_scripts/run_with_chainrule.py examples/pytorch_scripts/05_mlp_classifier.py

The scripts in this folder are plain PyTorch (``import torch``,
``import torch.nn as nn``, ``from torch.utils.data import DataLoader`` ...).
While one runs under ``chainrule_as_torch()``, every ``torch`` and
``torch.<sub>`` import resolves to ``chainrule`` and ``chainrule.<sub>``, which
is what ``import chainrule as torch`` does for a script edited by hand. The
real PyTorch modules (if loaded) are put back afterwards, so the same process
can run a script with both libraries and compare the results
(tests/test_pytorch_scripts.py does).
"""

import contextlib
import importlib
import importlib.abc
import importlib.util
import runpy
import sys


def _is_torch_name(name):
    return name == "torch" or name.startswith("torch.")


class _ChainruleLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        """The chainrule module is already imported and initialised."""


class _TorchToChainrule(importlib.abc.MetaPathFinder):
    """Resolves ``torch`` and ``torch.x.y`` to ``chainrule`` and ``chainrule.x.y``."""

    def find_spec(self, fullname, path=None, target=None):
        if not _is_torch_name(fullname):
            return None
        return importlib.util.spec_from_loader(
            fullname, _ChainruleLoader("chainrule" + fullname[len("torch") :])
        )


@contextlib.contextmanager
def chainrule_as_torch():
    """Inside the block, ``import torch...`` imports chainrule."""
    saved = {name: module for name, module in sys.modules.items() if _is_torch_name(name)}
    for name in saved:
        del sys.modules[name]
    finder = _TorchToChainrule()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in [name for name in sys.modules if _is_torch_name(name)]:
            del sys.modules[name]
        sys.modules.update(saved)


def run_script(path, library="chainrule"):
    """Run ``path`` as ``__main__`` with ``library`` ('chainrule' or 'torch'); return its globals."""
    if library == "torch":
        return runpy.run_path(str(path), run_name="__main__")
    with chainrule_as_torch():
        return runpy.run_path(str(path), run_name="__main__")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    run_script(script)
