"""The primitives, by family. Importing a module binds its Tensor methods."""

from . import elementwise, indexing, linalg, nn, reduce, shape  # noqa: F401
