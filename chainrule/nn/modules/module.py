"""Module: the base class of layers (parameters, buffers, submodules, hooks, state_dict)."""

__all__ = []
