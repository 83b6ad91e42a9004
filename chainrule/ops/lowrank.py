"""Randomized low-rank SVD and PCA, PyTorch's ``torch.svd_lowrank`` and
``torch.pca_lowrank``: Halko, Martinsson and Tropp's range finder (Algorithm 4.4 of
"Finding structure with randomness", 2009) then an exact SVD of the small projected
matrix (Algorithm 5.1), in chainrule ops, so gradients flow through QR, SVD and
products. The random test matrix comes from chainrule's generator: the factors differ
from PyTorch's for the same seed, the low-rank approximation they make does not.
"""

from .._creation import randn
from .linalg import linalg_qr, linalg_svd

__all__ = ["pca_lowrank", "svd_lowrank"]


def _approximate_basis(A, q, niter, M):
    """Q with q orthonormal columns whose span approximates the range of A - M, after
    ``niter`` power iterations (which sharpen it when singular values decay slowly)."""
    dtype = A.dtype if A.is_floating_point() else None
    R = randn(A.shape[-1], q, dtype=dtype)

    def centered(B, X):  # (B - M) X, or (B - M)^T X for B = A^T
        if M is None:
            return B @ X
        return B @ X - (M if B is A else M.mT) @ X

    Q = linalg_qr(centered(A, R)).Q
    for _ in range(niter):
        Q = linalg_qr(centered(A.mT, Q)).Q
        Q = linalg_qr(centered(A, Q)).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):
    """``(U, S, V)``: an approximate rank-q SVD of A - M (batched), with A - M ~ U diag(S) V^T,
    by a randomized method (exact when the rank is at most q).

    >>> import chainrule
    >>> a = chainrule.outer(chainrule.arange(1.0, 4.0), chainrule.ones(4))
    >>> U, S, V = chainrule.svd_lowrank(a, q=2)
    >>> chainrule.allclose((U * S) @ V.mT, a, atol=1e-5), round(S[0].item(), 4)
    (True, 7.4833)
    """
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    if m < n:  # the algorithm wants A tall
        A = A.mT
        M = None if M is None else M.mT
    Q = _approximate_basis(A, q, niter, M)
    B = Q.mT @ A if M is None else Q.mT @ A - Q.mT @ M
    U, S, Vh = linalg_svd(B, full_matrices=False)
    U, V = Q @ U, Vh.mT
    return (V, S, U) if m < n else (U, S, V)


def pca_lowrank(A, q=None, center=True, niter=2):
    """``(U, S, V)``: the principal components of the rows of A (its columns centred unless
    ``center=False``), by ``svd_lowrank`` with q = min(6, m, n) by default; the
    projections onto the first k components are ``A @ V[:, :k]``.

    >>> import chainrule
    >>> a = chainrule.tensor([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    >>> U, S, V = chainrule.pca_lowrank(a)
    >>> round(S[0].item(), 3), abs(S[1].item()) < 1e-5
    (6.325, True)
    """
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return svd_lowrank(A, q, niter=niter)
    return svd_lowrank(A - A.mean(dim=(-2,), keepdim=True), q, niter=niter)
