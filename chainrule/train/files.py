"""Small file helpers for run folders: atomic text writes and an up-front check that a folder is writable."""

import errno
import json
import os
import shutil
import tempfile
from pathlib import Path

from ..serialization import file_mode_for

__all__ = ["write_text_atomic", "write_json_atomic", "check_writable"]


def write_text_atomic(path, text):
    """Write ``text`` to ``path`` through a temporary file and a rename, so a crash leaves the old file."""
    path = Path(path)
    temporary = None
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, file_mode_for(path))  # mkstemp makes it 0600; keep the mode chainrule.save gives
        os.replace(temporary, path)
    except OSError as error:
        raise OSError(error.errno, f"could not write {path}: {error.strerror or error}") from error
    finally:
        if temporary is not None and Path(temporary).exists():
            Path(temporary).unlink()


def write_json_atomic(path, value):
    write_text_atomic(path, json.dumps(value, indent=2) + "\n")


def check_writable(folder, needed_bytes=0):
    """Create ``folder`` if needed and make sure a file can be written there and ``needed_bytes`` fit.

    Raises an OSError that names the folder and the reason, before any work is done.

    >>> import tempfile
    >>> check_writable(tempfile.mkdtemp(), needed_bytes=1)
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"chainrule")
        probe.unlink()
    except OSError as error:
        raise OSError(error.errno, f"cannot write in the output folder {folder}: {error.strerror}") from None
    free = shutil.disk_usage(folder).free
    if free < needed_bytes:
        raise OSError(
            errno.ENOSPC,
            f"not enough free space in {folder}: the run needs about {needed_bytes / 1e6:.1f} MB "
            f"(checkpoints and plots), {free / 1e6:.1f} MB are free",
        )
