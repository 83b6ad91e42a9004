"""Orthogonal, weight and spectral normalization parametrizations
(``torch.nn.utils.parametrizations``): ``module.weight`` is computed on each read
from ``module.parametrizations.weight``."""

import enum

import numpy as np

from ..._creation import eye, randn, zeros_like
from ..._tensor import Tensor, wrap
from ...autograd.grad_mode import no_grad
from ...ops.linalg import householder_product, linalg_qr, matrix_exp, mv, solve, vdot
from ...ops.shape import cat
from .. import functional as F
from ..modules.module import Module
from . import parametrize
from .spectral_norm import _default_dim
from .weight_norm import _norm_except_dim, _weight_norm

__all__ = ["orthogonal", "weight_norm", "spectral_norm"]


class _OrthMaps(enum.Enum):
    matrix_exp = enum.auto()
    cayley = enum.auto()
    householder = enum.auto()


def _is_orthogonal(Q):
    n, k = Q.shape[-2:]
    tolerance = 10.0 * n * np.finfo(Q._data.dtype).eps
    return np.allclose(Q.mH._data @ Q._data, np.eye(k), rtol=1e-5, atol=tolerance)


def _make_orthogonal(A):
    """Q of A = Q R (A tall), with the signs that make diag(R) non-negative."""
    Q, R = linalg_qr(A)
    return Q * R.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


def _geqrf(Q):
    """LAPACK's geqrf of each matrix (torch.geqrf): the reflectors below the diagonal
    with R on and above it, and tau. Only right_inverse needs it, without gradient."""
    import scipy.linalg.lapack  # scipy is imported on first use, as in ops/linalg.py

    (geqrf,) = scipy.linalg.lapack.get_lapack_funcs(("geqrf",), (Q._data,))
    matrices = Q._data.reshape(-1, *Q.shape[-2:])
    factored = [geqrf(matrix)[:2] for matrix in matrices]
    a = np.stack([a for a, _ in factored]).reshape(Q.shape)
    tau = np.stack([tau for _, tau in factored]).reshape(*Q.shape[:-2], -1)
    return wrap(a.astype(Q._data.dtype)), wrap(tau.astype(Q._data.dtype))


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        # complex reflectors cannot recover tau, so they cannot parametrize unitary matrices
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map == _OrthMaps.householder:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            # X's diagonal of +-1 picks each column's sign; it is not trained
            Q = householder_product(A, tau) * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        else:
            # the n k - k (k - 1) / 2 entries of X's lower triangle make a skew-symmetric A
            X = X.tril()
            if n != k:
                X = cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = matrix_exp(A)
            else:  # the Cayley map (I + A/2)(I - A/2)^-1
                identity = eye(n, dtype=A.dtype)
                Q = solve(identity - 0.5 * A, identity + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        if hasattr(self, "base"):
            Q = self.base @ Q
        return Q.mT if transposed else Q

    @no_grad()
    def right_inverse(self, Q):
        if Q.shape != self.shape:
            raise ValueError(
                f"Expected a matrix or batch of matrices of shape {self.shape}. "
                f"Got a tensor of shape {Q.shape}."
            )
        Q_init = Q
        n, k = Q.shape[-2:]
        transpose = n < k
        if transpose:
            Q = Q.mT
            n, k = k, n
        if not hasattr(self, "base"):
            if self.orthogonal_map != _OrthMaps.householder:
                raise NotImplementedError(
                    "It is not possible to assign to the matrix exponential "
                    "or the Cayley parametrizations when use_trivialization=False."
                )
            # the reflectors of Q = QR, with diag(R) > 0 read as the signs forward multiplies by
            A, tau = _geqrf(Q)
            signs = np.sign(A.diagonal(dim1=-2, dim2=-1)._data)
            signs[tau._data == 0.0] *= -1  # LAPACK skips a reflection by setting its tau to exactly 0
            A._data[..., range(k), range(k)] = signs
            return A.mT if transpose else A
        if n == k:
            Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
        else:  # complete Q to an n x n orthogonal matrix
            Q = _make_orthogonal(cat([Q, randn(*Q.shape[:-2], n, n - k, dtype=Q.dtype)], dim=-1))
        self.base = Q
        # -I: then householder(zeros) is I, and forward starts at base
        neg_identity = zeros_like(Q_init)
        neg_identity.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
        return neg_identity


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Make ``module.<name>`` (a matrix, or a batch of them) orthogonal: orthonormal
    columns when it is tall, rows when it is wide, computed from the tensor in
    ``parametrizations.<name>.original`` by ``orthogonal_map``: "matrix_exp" or
    "cayley" of a skew-symmetric matrix, or "householder" (a product of Householder
    reflections). The default is "matrix_exp" for square matrices and "householder"
    otherwise. With ``use_trivialization`` the result is multiplied by the buffer
    ``base``, which starts at the weight made orthogonal (QR), so the weight keeps
    its value at registration when it was orthogonal already.

    >>> import chainrule
    >>> layer = chainrule.nn.utils.parametrizations.orthogonal(chainrule.nn.Linear(3, 4))
    >>> W = layer.weight
    >>> bool(chainrule.allclose(W.T @ W, chainrule.eye(3), atol=1e-6))
    True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    # maps on the sphere would make a vector "orthogonal"; PyTorch refuses it as surprising
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(
            f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: {orthogonal_map}'
        )
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrize ``module.<name>`` as ``g * v / ||v||``: ``original0`` is g (the
    norms over every dimension but ``dim``), ``original1`` is v.

    >>> import chainrule
    >>> layer = chainrule.nn.utils.parametrizations.weight_norm(chainrule.nn.Linear(3, 2))
    >>> {k: tuple(v.shape) for k, v in layer.state_dict().items()}
    {'bias': (2,), 'parametrizations.weight.original0': (2, 1), 'parametrizations.weight.original1': (2, 3)}
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})"
            )
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat, n_power_iterations):
        with no_grad():
            for _ in range(n_power_iterations):
                # in place, as PyTorch's out=: tensors taken from state_dict follow
                self._u.copy_(F.normalize(mv(weight_mat, self._v), dim=0, eps=self.eps))
                self._v.copy_(F.normalize(mv(weight_mat.H, self._u), dim=0, eps=self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        sigma = vdot(self._u.clone(), mv(weight_mat, self._v.clone()))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its largest singular value, estimated by power
    iteration on the buffers ``_u`` and ``_v`` (one step per read in training mode).

    >>> import chainrule
    >>> layer = chainrule.nn.utils.parametrizations.spectral_norm(chainrule.nn.Linear(3, 2))
    >>> list(layer.state_dict())[1:]
    ['parametrizations.weight.original', 'parametrizations.weight.0._u', 'parametrizations.weight.0._v']
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, _default_dim(module, dim), eps)
    )
    return module
