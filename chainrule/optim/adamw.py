"""AdamW: Adam with decoupled weight decay (``torch.optim.AdamW``)."""

from .adam import Adam


class AdamW(Adam):
    """Adam whose weight decay shrinks the parameters directly
    (``param *= 1 - lr * weight_decay``) instead of entering the gradient
    averages (Loshchilov and Hutter, 2019). The update is Adam's
    (``adam_update`` with ``decoupled_weight_decay=True``).

    >>> import chainrule
    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward(); opt.step()
    >>> w   # decay by lr * weight_decay = 5%, then Adam's first step of lr
    tensor([ 0.8500, -1.8000], requires_grad=True)
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
        foreach=None,
        capturable=False,
        differentiable=False,
        fused=None,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )
