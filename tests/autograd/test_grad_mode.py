"""Grad mode: no_grad, enable_grad, set_grad_enabled and inference_mode as
context managers and decorators, and is_grad_enabled."""

import threading

import numpy as np
import pytest

import chainrule


def records(lib):
    """Whether an op on a tensor that requires grad is recorded right now."""
    return (lib.ones(1, requires_grad=True) * 2).requires_grad


def test_results_made_under_no_grad_do_not_require_grad(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.no_grad():
            y = x * 2
            z = x.exp().sum()
        return y.requires_grad, y.grad_fn is None, z.requires_grad, lib.is_grad_enabled()

    same_as_torch(scenario)


def test_factory_functions_still_honour_requires_grad_under_no_grad(same_as_torch):
    def scenario(lib):
        with lib.no_grad():
            return lib.zeros(2, requires_grad=True).requires_grad, lib.tensor(
                [1.0], requires_grad=True
            ).is_leaf

    same_as_torch(scenario)


def test_modes_nest_and_restore_on_exit(same_as_torch):
    def scenario(lib):
        seen = [records(lib)]
        with lib.no_grad():
            seen.append(records(lib))
            with lib.enable_grad():
                seen.append(records(lib))
                with lib.set_grad_enabled(False):
                    seen.append(records(lib))
                seen.append(records(lib))
            seen.append(lib.is_grad_enabled())
        seen.append(lib.is_grad_enabled())
        return seen

    same_as_torch(scenario)


def test_modes_restore_when_the_block_raises(same_as_torch):
    def scenario(lib):
        with lib.no_grad():
            try:
                with lib.enable_grad():
                    raise ValueError
            except ValueError:
                pass
            inside = lib.is_grad_enabled()
        return inside, lib.is_grad_enabled()

    same_as_torch(scenario)


def test_modes_decorate_functions_with_and_without_parentheses(same_as_torch):
    def scenario(lib):
        calls = [
            lib.no_grad()(records),
            lib.no_grad(records),
            lib.inference_mode()(records),
            lib.inference_mode(records),
            lib.set_grad_enabled(False)(records),
        ]
        seen = [call(lib) for call in calls]
        with lib.no_grad():
            seen.append(lib.enable_grad()(records)(lib))
            seen.append(lib.enable_grad(records)(lib))
        return seen, lib.is_grad_enabled()

    same_as_torch(scenario)


def test_a_decorated_function_keeps_its_name_and_docstring():
    @chainrule.no_grad()
    def evaluate(x):
        """Evaluate without a graph."""
        return x

    assert evaluate.__name__ == "evaluate" and evaluate.__doc__ == "Evaluate without a graph."


def test_a_decorated_generator_runs_every_step_under_the_mode(same_as_torch):
    def scenario(lib):
        @lib.no_grad()
        def steps():
            yield records(lib)
            yield records(lib)

        generator = steps()
        first = next(generator)
        between = records(lib)  # the caller's mode applies between steps
        return first, between, next(generator)

    same_as_torch(scenario)


def test_set_grad_enabled_as_a_call_switches_mode_at_once(same_as_torch):
    def scenario(lib):
        lib.set_grad_enabled(False)
        try:
            off = records(lib)
        finally:
            lib.set_grad_enabled(True)
        return off, records(lib)

    same_as_torch(scenario)


def test_inference_mode_false_turns_recording_on(same_as_torch):
    def scenario(lib):
        with lib.no_grad():
            with lib.inference_mode(False):
                inner = records(lib)
        with lib.inference_mode():
            off = records(lib)
        return inner, off, lib.is_grad_enabled()

    same_as_torch(scenario)


def test_is_inference_mode_enabled_only_inside_inference_mode():
    assert not chainrule.autograd.is_inference_mode_enabled()
    with chainrule.inference_mode():
        assert chainrule.autograd.is_inference_mode_enabled()
        with chainrule.inference_mode(False):
            assert not chainrule.autograd.is_inference_mode_enabled()
    assert not chainrule.autograd.is_inference_mode_enabled()


@pytest.mark.parametrize("name", ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode"])
def test_modes_are_in_chainrule_and_in_autograd(name):
    assert getattr(chainrule, name) is getattr(chainrule.autograd, name)


def test_backward_works_inside_no_grad(same_as_torch):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        loss = (x * x).sum()
        with lib.no_grad():
            loss.backward()
        return x.grad, lib.is_grad_enabled()

    same_as_torch(scenario)


def test_grad_mode_belongs_to_each_thread(same_as_torch):
    # evaluation under no_grad in a background thread must not stop the training
    # thread's recording, and a new thread starts recording whatever its creator's mode
    def scenario(lib):
        inside, release = threading.Event(), threading.Event()

        def evaluate():
            with lib.no_grad():
                inside.set()
                release.wait()

        evaluation = threading.Thread(target=evaluate)
        evaluation.start()
        inside.wait()
        trained = records(lib)
        release.set()
        evaluation.join()
        seen = []
        with lib.no_grad():
            child = threading.Thread(target=lambda: seen.append((lib.is_grad_enabled(), records(lib))))
            child.start()
            child.join()
        return trained, seen, lib.is_grad_enabled()

    same_as_torch(scenario)


def test_set_grad_enabled_takes_a_bool_only(raises_like_torch):
    # set_grad_enabled(0) switched recording off
    raises_like_torch(lambda lib: lib.set_grad_enabled(0), match="must be bool, not int")
    assert chainrule.is_grad_enabled()


def test_set_grad_enabled_names_a_numpy_bool_by_its_module(raises_like_torch):
    raises_like_torch(lambda lib: lib.set_grad_enabled(np.bool_(True)), match="not numpy.bool")
