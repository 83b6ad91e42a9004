import sys
from pathlib import Path

# tests import the shared harness as ``from oracle import check``
sys.path.insert(0, str(Path(__file__).parent))


import errno  # noqa: E402
import io  # noqa: E402

import pytest  # noqa: E402

import chainrule.serialization  # noqa: E402


@pytest.fixture
def fill_disk(monkeypatch):
    """Call it to make the disk full for chainrule.save: each later write puts half
    its bytes into the file, then fails with ENOSPC (as a real full disk does)."""

    class FullDisk(io.FileIO):
        def write(self, data):
            super().write(bytes(data)[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

    return lambda: monkeypatch.setattr(chainrule.serialization, "open", FullDisk, raising=False)
