"""KL(p || q) between two distributions (``torch.distributions.kl_divergence``),
looked up by the pair of types as PyTorch does."""

import math
import warnings

from .._creation import full_like
from ..linalg import solve_triangular
from ..nn.functional import softplus
from ..ops.elementwise import where
from ..ops.shape import broadcast_shapes
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Dirichlet
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .half_normal import HalfNormal
from .independent import Independent, _sum_rightmost
from .laplace import Laplace
from .lowrank_multivariate_normal import LowRankMultivariateNormal, _lowrank_logdet, _lowrank_mahalanobis
from .multivariate_normal import MultivariateNormal, _mahalanobis
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .pareto import Pareto
from .poisson import Poisson
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY = {}  # (type_p, type_q) -> function, as registered
_KL_MEMOIZE = {}  # every (type_p, type_q) looked up so far -> its most specific function


def register_kl(type_p, type_q):
    """Decorator registering ``fun(p, q)`` as KL(p || q) for these two types (and their subclasses)."""

    def decorator(fun):
        _KL_REGISTRY[type_p, type_q] = fun
        _KL_MEMOIZE.clear()  # a new pair can change which match is most specific
        return fun

    return decorator


class _Match:
    """A pair of types ordered lexicographically by specificity: (A, B) <= (C, D)
    when A is a subclass of C, or A is C and B a subclass of D."""

    __slots__ = ["types"]

    def __init__(self, *types):
        self.types = types

    def __lt__(self, other):
        for x, y in zip(self.types, other.types):
            if not issubclass(x, y):
                return False
            if x is not y:
                break
        return self.types != other.types


def _dispatch_kl(type_p, type_q):
    """The most specific registered pair for (type_p, type_q), or NotImplemented;
    warns when ordering by p first and by q first disagree, as PyTorch."""
    matches = [(p, q) for p, q in _KL_REGISTRY if issubclass(type_p, p) and issubclass(type_q, q)]
    if not matches:
        return NotImplemented
    left_p, left_q = min(_Match(*m) for m in matches).types
    right_q, right_p = min(_Match(*reversed(m)) for m in matches).types
    left_fun, right_fun = _KL_REGISTRY[left_p, left_q], _KL_REGISTRY[right_p, right_q]
    if left_fun is not right_fun:
        warnings.warn(
            f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). "
            f"Please register_kl({left_p.__name__}, {right_q.__name__})",
            RuntimeWarning,
            stacklevel=2,
        )
    return left_fun


def kl_divergence(p, q):
    """KL(p || q) = E_p[log p(x) - log q(x)], batched over the batch shape.

    >>> import chainrule
    >>> from chainrule.distributions import Normal, kl_divergence
    >>> kl_divergence(Normal(0.0, 1.0), Normal(1.0, 1.0))
    tensor(0.5000)
    """
    try:
        fun = _KL_MEMOIZE[type(p), type(q)]
    except KeyError:
        fun = _KL_MEMOIZE[type(p), type(q)] = _dispatch_kl(type(p), type(q))
    if fun is NotImplemented:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p type {p.__class__.__name__} "
            f"and q type {q.__class__.__name__}"
        )
    return fun(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    """KL = 1/2 (r + ((mu_p - mu_q) / sigma_q)^2 - 1 - log r), r = (sigma_p / sigma_q)^2"""
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    """KL = p log(p / q) + (1 - p) log((1 - p) / (1 - q)), in softplus of the logits;
    0 where p's mass is 0, inf where q's is 0 and p's is not"""
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1[q.probs == 0] = float("inf")
    t1[p.probs == 0] = 0
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2[q.probs == 1] = float("inf")
    t2[p.probs == 1] = 0
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    """KL = sum_k p_k (log p_k - log q_k); 0 log 0 = 0, inf where q_k = 0 < p_k"""
    t = p.probs * (p.logits - q.logits)
    t[(q.probs == 0).expand_as(t)] = float("inf")
    t[(p.probs == 0).expand_as(t)] = 0
    return t.sum(-1)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    """KL = log((high_q - low_q) / (high_p - low_p)); inf where p's interval is not inside q's"""
    result = ((q.high - q.low) / (p.high - p.low)).log()
    result[(q.low > p.low) | (q.high < p.high)] = float("inf")
    return result


@register_kl(Normal, Uniform)
def _kl_normal_uniform(p, q):
    """KL = inf: the normal has mass outside every interval"""
    return full_like(p.loc, float("inf"))


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    """KL = log(sqrt(2 pi) sigma / w) + (w^2 / 12 + (c - mu)^2) / (2 sigma^2),
    w = high - low, c = (high + low) / 2"""
    common_term = p.high - p.low
    t1 = (math.sqrt(math.pi * 2) * q.scale / common_term).log()
    t2 = common_term.pow(2) / 12
    t3 = ((p.high + p.low - 2 * q.loc) / 2).pow(2)
    return t1 + 0.5 * (t2 + t3) / q.scale.pow(2)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    """KL is invariant under a shared bijection: KL of the base distributions"""
    if p.transforms != q.transforms or p.event_shape != q.event_shape:
        raise NotImplementedError
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    """KL = r - log r - 1, r = rate_q / rate_p"""
    rate_ratio = q.rate / p.rate
    return -rate_ratio.log() + rate_ratio - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    """KL = -log r + |d| / b_q + r e^(-|d| / b_p) - 1, r = b_p / b_q, d = mu_p - mu_q"""
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    return -scale_ratio.log() + loc_abs_diff / q.scale + scale_ratio * (-loc_abs_diff / p.scale).exp() - 1


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    """KL = a_q log(b_p / b_q) + lgamma(a_q) - lgamma(a_p) + (a_p - a_q) digamma(a_p)
    + (b_q - b_p) a_p / b_p"""
    t1 = q.concentration * (p.rate / q.rate).log()
    t2 = q.concentration.lgamma() - p.concentration.lgamma()
    t3 = (p.concentration - q.concentration) * p.concentration.digamma()
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    """KL = log B(a_q, b_q) - log B(a_p, b_p) + (a_p - a_q) digamma(a_p) + (b_p - b_q) digamma(b_p)
    + (a_q + b_q - a_p - b_p) digamma(a_p + b_p)"""
    sum_p = p.concentration1 + p.concentration0
    sum_q = q.concentration1 + q.concentration0
    t1 = q.concentration1.lgamma() + q.concentration0.lgamma() + sum_p.lgamma()
    t2 = p.concentration1.lgamma() + p.concentration0.lgamma() + sum_q.lgamma()
    t3 = (p.concentration1 - q.concentration1) * p.concentration1.digamma()
    t4 = (p.concentration0 - q.concentration0) * p.concentration0.digamma()
    t5 = (sum_q - sum_p) * sum_p.digamma()
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    """KL = lgamma(a0_p) - lgamma(a0_q) - sum (lgamma(a_p) - lgamma(a_q))
    + sum (a_p - a_q)(digamma(a_p) - digamma(a0_p)), a0 = sum a"""
    sum_p = p.concentration.sum(-1)
    sum_q = q.concentration.sum(-1)
    t1 = sum_p.lgamma() - sum_q.lgamma()
    t2 = (p.concentration.lgamma() - q.concentration.lgamma()).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = p.concentration.digamma() - sum_p.digamma().unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariate_normal_multivariate_normal(p, q):
    """KL = sum log diag L_q - sum log diag L_p + 1/2 (|L_q^-1 L_p|_F^2 + |L_q^-1 (mu_q - mu_p)|^2 - k)"""
    if p.event_shape != q.event_shape:
        raise ValueError(
            "KL-divergence between two Multivariate Normals with different event shapes cannot be computed"
        )
    n = p.event_shape[0]
    p_scale_tril, q_scale_tril = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    shape = tuple(broadcast_shapes(q_scale_tril.shape[:-2], p_scale_tril.shape[:-2])) + (n, n)
    ratio = solve_triangular(q_scale_tril.expand(shape), p_scale_tril.expand(shape), upper=False)
    trace = ratio.pow(2).sum((-2, -1))
    mahalanobis = _mahalanobis(q_scale_tril, q.loc - p.loc)
    return q._half_log_det() - p._half_log_det() + 0.5 * (trace + mahalanobis - n)


def _lowrank_precision_root(q):
    """A = L_C^-1 W^T D^-1 of q, so that Sigma_q^-1 = D^-1 - A^T A."""
    Wt_Dinv = q._unbroadcasted_cov_factor.mT / q._unbroadcasted_cov_diag.unsqueeze(-2)
    return solve_triangular(q._capacitance_tril, Wt_Dinv, upper=False)


def _lowrank_log_det_and_mahalanobis(p, q):
    """log |Sigma_q| and (mu_q - mu_p)^T Sigma_q^-1 (mu_q - mu_p) for a low-rank q."""
    W, D, capacitance_tril = q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag, q._capacitance_tril
    mahalanobis = _lowrank_mahalanobis(W, D, q.loc - p.loc, capacitance_tril)
    return _lowrank_logdet(W, D, capacitance_tril), mahalanobis


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_multivariate_normal_lowrank_multivariate_normal(p, q):
    """KL = 1/2 (log |Sigma_q| - log |Sigma_p| + tr(Sigma_q^-1 Sigma_p) + Mahalanobis - n), the trace
    expanded through Sigma_q^-1 = D_q^-1 - A^T A and Sigma_p = D_p + W_p W_p^T"""
    if p.event_shape != q.event_shape:
        raise ValueError(
            "KL-divergence between two Low Rank Multivariate Normals with different event shapes "
            "cannot be computed"
        )
    q_log_det, mahalanobis = _lowrank_log_det_and_mahalanobis(p, q)
    A = _lowrank_precision_root(q)
    p_W, p_D, q_D = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag, q._unbroadcasted_cov_diag
    trace = (
        (p_D / q_D).sum(-1)
        + (p_W * q_D.rsqrt().unsqueeze(-1)).pow(2).sum((-2, -1))
        - (A * p_D.sqrt().unsqueeze(-2)).pow(2).sum((-2, -1))
        - (A @ p_W).pow(2).sum((-2, -1))
    )
    p_log_det = _lowrank_logdet(p_W, p_D, p._capacitance_tril)
    return 0.5 * (q_log_det - p_log_det + trace + mahalanobis - p.event_shape[0])


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_multivariate_normal_lowrank_multivariate_normal(p, q):
    """KL as above with Sigma_p = L_p L_p^T: tr(Sigma_q^-1 Sigma_p) = |D_q^-1/2 L_p|_F^2 - |A L_p|_F^2"""
    if p.event_shape != q.event_shape:
        raise ValueError(
            "KL-divergence between two (Low Rank) Multivariate Normals with different event shapes "
            "cannot be computed"
        )
    q_log_det, mahalanobis = _lowrank_log_det_and_mahalanobis(p, q)
    A = _lowrank_precision_root(q)
    p_scale_tril = p._unbroadcasted_scale_tril
    trace = (p_scale_tril * q._unbroadcasted_cov_diag.rsqrt().unsqueeze(-1)).pow(2).sum((-2, -1)) - (
        A @ p_scale_tril
    ).pow(2).sum((-2, -1))
    return 0.5 * (q_log_det - 2 * p._half_log_det() + trace + mahalanobis - p.event_shape[0])


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_multivariate_normal_multivariate_normal(p, q):
    """KL with tr(Sigma_q^-1 Sigma_p) = |L_q^-1 W_p|_F^2 + |L_q^-1 D_p^1/2|_F^2"""
    if p.event_shape != q.event_shape:
        raise ValueError(
            "KL-divergence between two (Low Rank) Multivariate Normals with different event shapes "
            "cannot be computed"
        )
    n = p.event_shape[0]
    q_scale_tril = q._unbroadcasted_scale_tril
    batch = tuple(broadcast_shapes(q_scale_tril.shape[:-2], p._unbroadcasted_cov_factor.shape[:-2]))
    q_scale_tril = q_scale_tril.expand(batch + (n, n))
    p_W = p._unbroadcasted_cov_factor.expand(batch + (n, p.cov_factor.shape[-1]))
    p_sqrt_D = p._unbroadcasted_cov_diag.sqrt().diag_embed().expand(batch + (n, n))
    trace = solve_triangular(q_scale_tril, p_W, upper=False).pow(2).sum((-2, -1)) + solve_triangular(
        q_scale_tril, p_sqrt_D, upper=False
    ).pow(2).sum((-2, -1))
    p_log_det = _lowrank_logdet(p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag, p._capacitance_tril)
    mahalanobis = _mahalanobis(q._unbroadcasted_scale_tril, q.loc - p.loc)
    return 0.5 * (2 * q._half_log_det() - p_log_det + trace + mahalanobis - n)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    """KL = rate_p (log rate_p - log rate_q) - (rate_p - rate_q)"""
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    """KL = -H(p) - log(1 - q) / p_p - logit(q)"""
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_one_hot_categorical_one_hot_categorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    """KL = -log r - (mu_q - mu_p) / b_q + r gamma + e^((mu_q - mu_p) / b_q + lgamma(1 + r)) - (1 + gamma),
    r = b_p / b_q, gamma Euler's constant"""
    euler_gamma = 0.57721566490153286060
    ct1 = p.scale / q.scale
    ct2 = q.loc / q.scale
    ct3 = p.loc / q.scale
    t1 = -ct1.log() - ct2 + ct3
    t2 = ct1 * euler_gamma
    t3 = (ct2 + (1 + ct1).lgamma() - ct3).exp()
    return t1 + t2 + t3 - (1 + euler_gamma)


@register_kl(HalfNormal, HalfNormal)
def _kl_half_normal_half_normal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    """KL = log(((b_p + b_q)^2 + (mu_p - mu_q)^2) / (4 b_p b_q))"""
    t1 = ((p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)).log()
    return t1 - (4 * p.scale * q.scale).log()


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    """KL = n (p_p (logit_p - logit_q) + log(1 - p_p) - log(1 - p_q)) for equal counts n;
    inf where p has more trials than q"""
    if (p.total_count < q.total_count).any():
        raise NotImplementedError(
            "KL between Binomials where q.total_count > p.total_count is not implemented"
        )
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return where(p.total_count > q.total_count, math.inf, kl)


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    """KL = E_p[x] (logit_p - logit_q) + log C_p + log(1 - p_p) - log C_q - log(1 - p_q)"""
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._cont_bern_log_norm() + (-p.probs).log1p()
    t3 = -q._cont_bern_log_norm() - (-q.probs).log1p()
    return t1 + t2 + t3


def _cross_entropy_continuous_bernoulli(p, q):
    """KL(p || CB(q)) for p on [0, 1]: -H(p) - E_p[x] logit_q - log(1 - p_q) - log C_q"""
    return -p.entropy() - p.mean * q.logits - (-q.probs).log1p() - q._cont_bern_log_norm()


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return _cross_entropy_continuous_bernoulli(p, q)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    """inf where p's interval reaches 0 or 1 (PyTorch's test, which counts the ends too)"""
    result = _cross_entropy_continuous_bernoulli(p, q)
    return where((p.high >= q.support.upper_bound) | (p.low <= q.support.lower_bound), math.inf, result)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    """KL = -H(p) - log rate + rate E_p[x]"""
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    """KL = -H(p) + log(sqrt(2 pi) sigma) + E_p[(x - mu)^2] / (2 sigma^2)"""
    t1 = -p.entropy()
    t2 = 0.5 * (math.log(2.0 * math.pi) + (q.loc / q.scale).square()) + q.scale.log()
    t3 = (p.variance + p.mean.square() - 2.0 * q.loc * p.mean) / (2.0 * q.scale.square())
    return t1 + t2 + t3


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p, q):
    """KL = -H(p) + log(high - low); inf where low >= 0 or high <= 1 (PyTorch's test, as it is)"""
    result = -p.entropy() + (q.high - q.low).log()
    return where((q.low >= p.support.lower_bound) | (q.high <= p.support.upper_bound), math.inf, result)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    """KL = alpha_q log(scale_p / scale_q) - log r + r - 1, r = alpha_q / alpha_p;
    inf where p reaches below q's scale"""
    scale_ratio = p.scale / q.scale
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * scale_ratio.log() - alpha_ratio.log() + alpha_ratio - 1
    result[p.support.lower_bound < q.support.lower_bound] = math.inf
    return result


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    """KL = log(alpha / (scale rate)) - 1 / alpha + alpha scale rate / (alpha - 1) - 1; inf for alpha <= 1"""
    scale_rate_prod = p.scale * q.rate
    t1 = (p.alpha / scale_rate_prod).log()
    t3 = p.alpha * scale_rate_prod / (p.alpha - 1)
    result = t1 - p.alpha.reciprocal() + t3 - 1
    result[p.alpha <= 1] = math.inf
    return result


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    """KL = -H(p) - E_p[log Gamma(x; k, rate)], E_p[log x] = log scale + 1 / alpha; inf for alpha <= 1"""
    common_term = p.scale.log() + p.alpha.reciprocal()
    t1 = p.alpha.log() - common_term
    t2 = q.concentration.lgamma() - q.concentration * q.rate.log()
    t3 = (1 - q.concentration) * common_term
    t4 = q.rate * p.alpha * p.scale / (p.alpha - 1)
    result = t1 + t2 + t3 + t4 - 1
    result[p.alpha <= 1] = math.inf
    return result


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    """KL = -H(p) + log(sqrt(2 pi) sigma) + E_p[(x - mu)^2] / (2 sigma^2); inf for alpha <= 2"""
    var_normal = 2 * q.scale.pow(2)
    common_term = p.scale / (p.alpha - 1)
    t1 = (math.sqrt(2 * math.pi) * q.scale * p.alpha / p.scale).log()
    t3 = p.alpha * common_term.pow(2) / (p.alpha - 2)
    t4 = (p.alpha * common_term - q.loc).pow(2)
    result = t1 - p.alpha.reciprocal() + (t3 + t4) / var_normal - 1
    result[p.alpha <= 2] = math.inf
    return result


def _x_log_x(x):
    return x * x.log()


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    """KL = -log w - E_p[log Pareto(x)], w = high - low; inf where low < scale_q"""
    width = p.high - p.low
    t1 = (q.alpha * q.scale.pow(q.alpha) * width).log()
    t2 = (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    result = t2 * (q.alpha + 1) - t1
    result[p.low < q.support.lower_bound] = math.inf
    return result


# p has mass where q has none: KL = inf
@register_kl(Beta, Pareto)
def _kl_beta_infinity(p, q):
    return full_like(p.concentration1, math.inf)


@register_kl(ContinuousBernoulli, Pareto)
def _kl_continuous_bernoulli_infinity(p, q):
    return full_like(p.probs, math.inf)


@register_kl(Exponential, ContinuousBernoulli)
@register_kl(Exponential, Pareto)
def _kl_exponential_infinity(p, q):
    return full_like(p.rate, math.inf)


@register_kl(Gamma, ContinuousBernoulli)
@register_kl(Gamma, Pareto)
def _kl_gamma_infinity(p, q):
    return full_like(p.concentration, math.inf)


@register_kl(Gumbel, ContinuousBernoulli)
@register_kl(Gumbel, Pareto)
@register_kl(Laplace, ContinuousBernoulli)
@register_kl(Laplace, Pareto)
@register_kl(Normal, ContinuousBernoulli)
@register_kl(Normal, Pareto)
def _kl_located_infinity(p, q):
    return full_like(p.loc, math.inf)


@register_kl(Pareto, Beta)
@register_kl(Pareto, ContinuousBernoulli)
@register_kl(Pareto, Uniform)
def _kl_pareto_infinity(p, q):
    return full_like(p.scale, math.inf)
