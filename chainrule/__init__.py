"""chainrule: tensors with automatic differentiation, neural networks and
training on NumPy, with PyTorch's API (``import chainrule as torch``).

This file only re-exports; each name lives in the module that defines it.
"""

import warnings as _warnings

from . import _dtype, autograd, backends, cuda, ops
from ._compile import compile
from ._creation import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    arange,
    as_tensor,
    asarray,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    poisson,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    tril_indices,
    triu_indices,
    zeros,
    zeros_like,
)
from ._dtype import (
    bool,
    can_cast,
    double,
    dtype,
    finfo,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    result_type,
    set_default_dtype,
    short,
    uint8,
)
from ._finite_differences import gradient
from ._functional_forms import *  # noqa: F403 - top-level forms with ATen's signatures
from ._legacy import *  # noqa: F403 - deprecated functions old scripts call
from ._printing import get_printoptions, printoptions, set_printoptions
from ._random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from ._settings import (
    are_deterministic_algorithms_enabled,
    get_default_device,
    get_float32_matmul_precision,
    get_num_interop_threads,
    get_num_threads,
    is_deterministic_algorithms_warn_only_enabled,
    is_warn_always_enabled,
    set_default_device,
    set_float32_matmul_precision,
    set_flush_denormal,
    set_num_interop_threads,
    set_num_threads,
    set_warn_always,
    use_deterministic_algorithms,
)
from ._tensor import Size, Tensor, device, layout, strided
from ._toplevel import (
    addmv_,
    empty_permuted,
    empty_strided,
    fill,
    frombuffer,
    get_device,
    is_inference,
    is_same_size,
    scalar_tensor,
    unravel_index,
)
from ._view_copies import *  # noqa: F403
from .amp import autocast
from .autograd.anomaly import is_anomaly_enabled, set_detect_anomaly
from .autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .func import vmap
from .ops.elementwise import *  # noqa: F403
from .ops.elementwise import ge as greater_equal
from .ops.elementwise import gt as greater
from .ops.elementwise import le as less_equal
from .ops.elementwise import lt as less
from .ops.elementwise import ne as not_equal
from .ops.indexing import *  # noqa: F403
from .ops.linalg import *  # noqa: F403
from .ops.lowrank import *  # noqa: F403
from .ops.lu import *  # noqa: F403
from .ops.nn import *  # noqa: F403
from .ops.reduce import *  # noqa: F403
from .ops.shape import *  # noqa: F403
from .ops.sorting import *  # noqa: F403
from .ops.windows import *  # noqa: F403

__version__ = "0.1.0"

# PyTorch's module-level forms of these methods: torch.relu_(x) is x.relu_().
for _name in (
    "detach", "detach_", "zero_", "fill_", "clamp_", "clip_", "clamp_min_", "clamp_max_",
    "relu_", "sigmoid_", "tanh_", "exp_", "exp2_", "expm1_", "log_", "log2_", "log10_", "log1p_",
    "sqrt_", "rsqrt_", "square_", "abs_", "neg_", "negative_", "reciprocal_", "sin_", "cos_",
    "tan_", "asin_", "acos_", "atan_", "arcsin_", "arccos_", "arctan_", "sinh_", "cosh_", "erf_",
    "floor_", "ceil_", "round_", "trunc_", "fix_", "frac_", "nan_to_num_", "index_put_",
):  # fmt: skip
    globals()[_name] = getattr(Tensor, _name)


# PyTorch's top-level forms of these activations (torch.selu(x), x.prelu(w)). They live in
# nn.functional, above ops, and load with it on first use.
def _functional_form(name):
    def form(*args, **kwargs):
        from .nn import functional

        return getattr(functional, name)(*args, **kwargs)

    form.__name__ = form.__qualname__ = name
    form.__doc__ = f"``nn.functional.{name}``."
    return form


for _name in (
    "selu", "selu_", "celu", "celu_", "prelu", "rrelu", "rrelu_", "hardshrink", "conv1d", "conv2d",
    "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "bilinear", "rms_norm",
    "adaptive_avg_pool1d", "threshold", "threshold_",
):  # fmt: skip
    globals()[_name] = _functional_form(_name)
Tensor.prelu, Tensor.hardshrink = globals()["prelu"], globals()["hardshrink"]

# log(0), x/0 and friends give inf/nan silently in PyTorch; NumPy would warn
# from inside our ops. Ignore exactly those (filtering costs nothing until a
# warning is raised, unlike np.errstate around every op).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"chainrule\.")

# As PyTorch does at start-up: chainrule's ops take as many threads as
# NumPy's BLAS was given (the CPUs, or OMP/OPENBLAS_NUM_THREADS), and BLAS
# itself runs on one (why: _settings.py).
set_num_threads(get_num_threads())
# ... and keeps freed memory in the heap for the next step (why: _settings.py).
from . import _settings  # noqa: E402

_settings.keep_freed_memory()

# Subpackages load on first use, so `import chainrule` stays fast.
_SUBMODULES = {
    "nn",
    "optim",
    "utils",
    "func",
    "datasets",
    "train",
    "explain",
    "linalg",
    "serialization",
    "cli",
    "distributions",
    "special",
    "testing",
    "profiler",
    "jit",
    "random",
}


def __getattr__(name):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name in ("save", "load"):
        from . import serialization

        return getattr(serialization, name)
    raise AttributeError(f"module 'chainrule' has no attribute '{name}'")


def is_tensor(obj):
    """True if ``obj`` is a chainrule Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    """Whether ``input``'s dtype is complex: never, as chainrule has no complex dtypes.

    >>> import chainrule
    >>> chainrule.is_complex(chainrule.ones(2))
    False
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"is_complex(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    return input.is_complex()


def typename(obj, /):
    """The qualified name of ``obj``'s type; a tensor's legacy type name.

    >>> import chainrule
    >>> chainrule.typename(chainrule.tensor([1, 2])), chainrule.typename(chainrule.nn.Linear)
    ('chainrule.LongTensor', 'chainrule.nn.modules.linear.Linear')
    """
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module, qualname = obj.__class__.__module__ or "", obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def numel(input):
    return input.numel()
