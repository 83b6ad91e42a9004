"""Losses: L1Loss, MSELoss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss,
BCELoss, BCEWithLogitsLoss, KLDivLoss."""

__all__ = []
