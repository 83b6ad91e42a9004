"""Random numbers: one seedable generator behind every random call.

``manual_seed(n)`` reseeds the default generator, which rand, randn,
randint, randperm, dropout, layer initialisation and DataLoader shuffling
all draw from, so a seeded run repeats exactly. The streams are NumPy's
PCG64, so the numbers differ from PyTorch's for the same seed.
"""

import numpy as np

from ._tensor import Tensor, wrap
from ._tensor import device as _device


class Generator:
    """A random-number generator with PyTorch's seeding API.

    >>> import chainrule
    >>> g = chainrule.Generator().manual_seed(0)
    >>> a = chainrule.rand(2, generator=g)
    >>> b = chainrule.rand(2, generator=chainrule.Generator().manual_seed(0))
    >>> bool((a == b).all())
    True
    """

    def __init__(self, device="cpu"):
        _device(device)
        self._seed = 67280421310721  # PyTorch's default seed
        self.numpy = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        seed = int(seed)
        self._seed = seed
        self.numpy = np.random.Generator(np.random.PCG64(seed & 0xFFFFFFFFFFFFFFFF))
        return self

    def seed(self):
        seed = int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The full state as a uint8 tensor (saveable with chainrule.save)."""
        state = self.numpy.bit_generator.state
        words = [
            state["state"]["state"],
            state["state"]["inc"],
            state["has_uint32"],
            state["uinteger"],
            self._seed & 0xFFFFFFFFFFFFFFFF,
        ]
        raw = b"".join(int(w).to_bytes(16, "little") for w in words)
        return wrap(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a chainrule.ByteTensor, but got {type(new_state).__name__}")
        if new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a chainrule.ByteTensor")
        raw = bytes(new_state._data)
        if len(raw) != 80:
            raise RuntimeError(f"set_state: expected an 80-byte state from get_state(), got {len(raw)} bytes")
        words = [int.from_bytes(raw[i : i + 16], "little") for i in range(0, 80, 16)]
        bit_generator = np.random.PCG64()
        bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": words[0], "inc": words[1]},
            "has_uint32": words[2],
            "uinteger": words[3],
        }
        self.numpy = np.random.Generator(bit_generator)
        self._seed = words[4]
        return self

    @property
    def device(self):
        from ._tensor import CPU

        return CPU


default_generator = Generator()


def numpy_generator(generator=None):
    """The NumPy generator to draw from: ``generator``'s, or the default one."""
    return (generator or default_generator).numpy


def manual_seed(seed):
    """Seed every random call (tensors, init, dropout, shuffling) for a repeatable run.

    >>> import chainrule
    >>> _ = chainrule.manual_seed(0); a = chainrule.randn(3)
    >>> _ = chainrule.manual_seed(0); b = chainrule.randn(3)
    >>> bool((a == b).all())
    True
    """
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from the operating system's entropy."""
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore a state from ``get_rng_state()``."""
    default_generator.set_state(new_state)
