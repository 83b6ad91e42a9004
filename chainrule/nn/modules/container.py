"""Sequential, ModuleList, ModuleDict."""

__all__ = []
