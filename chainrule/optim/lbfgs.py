"""L-BFGS (``torch.optim.LBFGS``): quasi-Newton steps from the last ``history_size``
gradient differences, each ``step(closure)`` running up to ``max_iter`` iterations,
optionally with a strong-Wolfe line search. The algorithm follows PyTorch's (after
minFunc) step for step, on the parameters flattened into one vector, so the same
closure gives the same trajectory.
"""

import math

import numpy as np

from .._tensor import bump_version, wrap
from ..autograd.grad_mode import enable_grad, no_grad
from .optimizer import Optimizer, check_lr


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimum of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, kept in ``bounds``."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2.0
    d2 = math.sqrt(d2_square)
    if x1 <= x2:
        position = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        position = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(position, low), high)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step length along ``d`` meeting the strong Wolfe conditions (bracketing, then
    zooming with cubic interpolation): (loss, flat gradient, t, evaluations)."""
    d_norm = np.abs(d).max()
    f_new, g_new = evaluate(t)
    evaluations = 1
    gtd_new = float(g_new.dot(d))
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    iterations = 0
    while iterations < max_ls:  # bracket a step that satisfies the conditions
        overshot = f_new > (f + c1 * t * gtd) or (iterations > 1 and f_new >= f_prev)
        if not overshot and abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if overshot or gtd_new >= 0:  # the minimum lies between the last two steps
            bracket, bracket_f, bracket_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        longer = _cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (t + 0.01 * (t - t_prev), t * 10)
        )
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = longer
        f_new, g_new = evaluate(t)
        evaluations += 1
        gtd_new = float(g_new.dot(d))
        iterations += 1
    if iterations == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and iterations < max_ls:  # zoom into the bracket
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:  # too near an end: move away from it
            if insufficient_progress or t >= max(bracket) or t <= min(bracket):
                t = (
                    max(bracket) - eps
                    if abs(t - max(bracket)) < abs(t - min(bracket))
                    else min(bracket) + eps
                )
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(t)
        evaluations += 1
        gtd_new = float(g_new.dot(d))
        iterations += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evaluations


class LBFGS(Optimizer):
    """L-BFGS: ``step(closure)`` re-evaluates the loss (the closure zeroes the gradients,
    computes the loss, calls backward and returns it) up to ``max_iter`` times, moving
    along quasi-Newton directions built from the last ``history_size`` steps;
    ``line_search_fn='strong_wolfe'`` chooses each step's length. One parameter group
    only, as in PyTorch.

    >>> import chainrule
    >>> w = chainrule.tensor([3.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - 1) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(v, 4) for v in w.tolist()]
    [1.0, 1.0]
    """

    def __init__(
        self,
        params,
        lr=1,
        max_iter=20,
        max_eval=None,
        tolerance_grad=1e-7,
        tolerance_change=1e-9,
        history_size=100,
        line_search_fn=None,
    ):
        check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self):
        return np.concatenate(
            [
                np.zeros(p._data.size, p._data.dtype) if p.grad is None else p.grad._data.reshape(-1)
                for p in self._params
            ]
        )

    def _add_step(self, step_size, direction):
        offset = 0
        for p in self._params:
            size = p._data.size
            p._data += step_size * direction[offset : offset + size].reshape(p._data.shape)
            bump_version(p)
            offset += size

    def _set_params(self, arrays):
        for p, array in zip(self._params, arrays):
            np.copyto(p._data, array)
            bump_version(p)

    def step(self, closure):
        """Run one L-BFGS optimization (up to ``max_iter`` iterations); returns the
        loss the first evaluation of ``closure`` gave."""
        group = self.param_groups[0]
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")

        def evaluate():
            with enable_grad():
                return closure()

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        original_loss = evaluate()
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() > group["tolerance_grad"]:
            with no_grad():
                self._iterate(state, evaluate, float(original_loss), flat_grad, group)
        return original_loss

    def _iterate(self, state, evaluate, loss, flat_grad, group):
        """The iterations of one ``step``, the history kept in ``state`` as PyTorch keeps it."""
        lr, max_iter, max_eval = float(group["lr"]), group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        arrays = _state_arrays(state)
        d, t = arrays["d"], state.get("t")
        old_dirs, old_stps, ro = arrays["old_dirs"], arrays["old_stps"], arrays["ro"]
        h_diag, prev_flat_grad, prev_loss = arrays["H_diag"], arrays["prev_flat_grad"], state.get("prev_loss")
        evaluations, iteration = 1, 0
        while iteration < max_iter:
            iteration += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, h_diag = [], [], [], 1
            else:  # the two-loop recursion: d = -H grad from the stored differences
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == group["history_size"]:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                al = [None] * len(old_dirs)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                d = r = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad.dot(d))
            if gtd > -tolerance_change:
                break
            if group["line_search_fn"] is not None:
                start = [p._data.copy() for p in self._params]

                def along(step_length, direction=d, start=start):
                    self._add_step(step_length, direction)
                    value = float(evaluate())
                    grad = self._flat_grad()
                    self._set_params(start)
                    return value, grad

                loss, flat_grad, t, line_evaluations = _strong_wolfe(
                    along, t, d, loss, flat_grad, gtd, max_ls=max_eval - evaluations
                )
                self._add_step(t, d)
                optimal = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_step(t, d)
                line_evaluations = 0
                if iteration != max_iter:
                    loss = float(evaluate())
                    flat_grad = self._flat_grad()
                    optimal = np.abs(flat_grad).max() <= tolerance_grad
                    line_evaluations = 1
            evaluations += line_evaluations
            state["func_evals"] += line_evaluations
            if iteration == max_iter or evaluations >= max_eval or optimal:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break
        state["d"], state["t"] = wrap(d), t
        state["old_dirs"], state["old_stps"] = [wrap(a) for a in old_dirs], [wrap(a) for a in old_stps]
        state["ro"] = [wrap(np.asarray(r)) for r in ro]
        state["H_diag"] = h_diag if h_diag == 1 else wrap(np.asarray(h_diag))
        state["prev_flat_grad"], state["prev_loss"] = wrap(prev_flat_grad), prev_loss


def _state_arrays(state):
    """The arrays of a previous step's history (None before the first)."""

    def array(value):
        return value._data if hasattr(value, "_data") else value

    return {
        "d": array(state.get("d")),
        "old_dirs": [array(a) for a in state.get("old_dirs", [])],
        "old_stps": [array(a) for a in state.get("old_stps", [])],
        "ro": [array(a) for a in state.get("ro", [])],
        "H_diag": array(state.get("H_diag")),
        "prev_flat_grad": array(state.get("prev_flat_grad")),
    }
