"""Where a training step spends its time (``torch.profiler``).

``profile`` records the forward of every op, the backward of every graph
node, optimizer steps and ``record_function`` ranges (the recording itself,
and what is named how, is in autograd/profiler.py); a ``schedule`` decides,
step by step, which steps of a loop are recorded.

>>> import chainrule
>>> from chainrule.profiler import ProfilerActivity, profile, record_function
>>> x = chainrule.ones(4, requires_grad=True)
>>> with profile(activities=[ProfilerActivity.CPU]) as prof:
...     with record_function("model"):
...         loss = (x * 3).sum()
...     loss.backward()
>>> [(e.key, e.count) for e in prof.key_averages()]
[('model', 1), ('Mul', 1), ('Sum', 1), ('SumBackward0', 1), ('MulBackward0', 1)]
"""

import enum
import os
import socket
import time
import warnings
from functools import partial

from .autograd import profiler as _backend
from .autograd.profiler import record_function

__all__ = [
    "ProfilerAction",
    "ProfilerActivity",
    "profile",
    "record_function",
    "schedule",
    "supported_activities",
    "tensorboard_trace_handler",
]


class ProfilerActivity(enum.Enum):
    """What a profiler can trace; chainrule runs on the CPU, so only CPU records anything."""

    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


def supported_activities():
    """The activities that record something here: ``{ProfilerActivity.CPU}``."""
    return {ProfilerActivity.CPU}


class ProfilerAction(enum.Enum):
    """What the profiler does during a step (a ``schedule`` returns one per step)."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3
    DEVICE_STOPPED = 4


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """Skip ``skip_first`` steps, then cycle: ``wait`` steps idle, ``warmup`` steps
    warming up, ``active`` steps recorded (the last one hands the trace to
    ``on_trace_ready``); ``repeat`` cycles (0: until the loop ends).

    >>> from chainrule.profiler import schedule
    >>> [schedule(wait=1, warmup=1, active=2)(step).name for step in range(5)]
    ['NONE', 'WARMUP', 'RECORD', 'RECORD_AND_SAVE', 'NONE']
    """

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:  # the first cycle starts without waiting
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 else ProfilerAction.RECORD_AND_SAVE

    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need >= 0), "
            f"active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0)."
        )
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    return schedule_fn


def _default_schedule_fn(_):
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False, use_python_export=False):
    """An ``on_trace_ready`` that writes each trace to ``dir_name`` as
    ``<worker>.<time>.pt.trace.json`` (TensorBoard's profiler plugin reads that folder)."""

    def handler_fn(prof):
        nonlocal worker_name
        try:
            os.makedirs(dir_name, exist_ok=True)
        except Exception as error:
            raise RuntimeError("Can't create directory: " + dir_name) from error
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, file_name))

    return handler_fn


_ONCE = set()


class profile:
    """Profile the code inside ``with``, or between ``start()`` and ``stop()``;
    with a ``schedule``, call ``step()`` at the end of each training step.

    ``activities`` may name CUDA, as in PyTorch: there is no device, so it
    warns and records nothing for it (CUDA alone is an error, as on PyTorch's
    CPU build). See autograd/profiler.py for what is recorded.

    >>> import chainrule
    >>> from chainrule.profiler import profile, schedule
    >>> x = chainrule.ones(2)
    >>> recorded = []
    >>> with profile(schedule=schedule(wait=1, warmup=1, active=1),
    ...              on_trace_ready=lambda p: recorded.append(p.step_num)) as prof:
    ...     for _ in range(3):
    ...         y = x + 1
    ...         prof.step()
    >>> recorded, [e.name for e in prof.events()]
    ([3], ['ProfilerStep*', 'Add'])
    """

    def __init__(
        self,
        *,
        activities=None,
        schedule=None,
        on_trace_ready=None,
        record_shapes=False,
        profile_memory=False,
        with_stack=False,
        with_flops=False,
        with_modules=False,
        experimental_config=None,
        execution_trace_observer=None,
        acc_events=False,
        use_cuda=None,
        custom_trace_id_callback=None,
        post_processing_timeout_s=None,
    ):
        if activities is None:
            self.activities = supported_activities()
        else:  # an item may be {activity: [kinds]}: the activity counts
            self.activities = {a for item in activities for a in (item if isinstance(item, dict) else [item])}
        if use_cuda is not None:
            warnings.warn(
                "`use_cuda` is deprecated, use `activities` argument instead", FutureWarning, stacklevel=2
            )
            if use_cuda:
                self.activities.add(ProfilerActivity.CUDA)
            else:
                self.activities.discard(ProfilerActivity.CUDA)
        if not self.activities:
            raise AssertionError("No valid profiler activities found")
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        self.acc_events = acc_events
        self.profiler = None
        self.use_device = "cuda" if ProfilerActivity.CUDA in self.activities else None
        self.schedule = schedule or _default_schedule_fn
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.step_rec_fn = None
        self.current_action = self.schedule(self.step_num)
        self._check_action(self.current_action)
        # PyTorch's transitions between the actions of two steps
        none, warmup, record, save = (
            ProfilerAction.NONE,
            ProfilerAction.WARMUP,
            ProfilerAction.RECORD,
            ProfilerAction.RECORD_AND_SAVE,
        )
        prepare, start, stop, ready = self.prepare_trace, self.start_trace, self.stop_trace, self._trace_ready
        self.action_map = {
            (none, warmup): [prepare],
            (none, record): [prepare, start],
            (none, save): [prepare, start],
            (warmup, none): [
                partial(warnings.warn, "Incorrect schedule: WARMUP followed by NONE"),
                start,
                stop,
            ],
            (warmup, record): [start],
            (warmup, save): [start],
            (record, none): [partial(warnings.warn, "Incorrect schedule: RECORD followed by NONE"), stop],
            (record, warmup): [partial(warnings.warn, "Incorrect schedule: RECORD followed by WARMUP"), stop],
            (save, none): [stop, ready],
            (save, warmup): [stop, ready, prepare],
            (save, record): [stop, ready, prepare, start],
            (save, save): [stop, ready, prepare, start],
            (warmup, None): [start, stop],
            (record, None): [stop, ready],
            (save, None): [stop, ready],
        }

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.stop()

    def start(self):
        self._transit_action(ProfilerAction.NONE, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function(f"ProfilerStep#{self.step_num}")
            self.step_rec_fn.__enter__()

    def stop(self):
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None
        self._transit_action(self.current_action, None)

    def step(self):
        """Signal that the next step starts: record or not, as the schedule says."""
        if self.record_steps and self.step_rec_fn:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._check_action(self.current_action)
        self._transit_action(previous, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function(f"ProfilerStep#{self.step_num}")
            self.step_rec_fn.__enter__()

    def prepare_trace(self):
        if self.profiler is not None and not self.acc_events and "clears" not in _ONCE:
            _ONCE.add("clears")
            warnings.warn(
                "Warning: Profiler clears events at the end of each cycle. Only events from the current "
                "cycle will be reported. To keep events across cycles, set acc_events=True.",
                stacklevel=2,
            )
        if self.profiler is None or not self.acc_events:
            self.profiler = _backend.profile(
                use_device=self.use_device,
                use_cpu=ProfilerActivity.CPU in self.activities,
                use_kineto=True,
                record_shapes=self.record_shapes,
                profile_memory=self.profile_memory,
                with_stack=self.with_stack,
                with_flops=self.with_flops,
                with_modules=self.with_modules,
                acc_events=self.acc_events,
            )

    def start_trace(self):
        self.profiler._start()

    def stop_trace(self):
        self.profiler._stop()

    def _trace_ready(self):
        if self.on_trace_ready:
            self.on_trace_ready(self)

    def _transit_action(self, previous, current):
        for action in self.action_map.get((previous, current), ()):
            action()

    @staticmethod
    def _check_action(action):
        if action == ProfilerAction.DEVICE_STOPPED:
            raise ValueError(
                "ProfilerAction.DEVICE_STOPPED is set internally by the profiler and must not be "
                "returned by a user-provided schedule"
            )

    def _backend(self, what):
        if self.profiler is None:
            raise AssertionError(f"Profiler must be initialized before {what}")
        return self.profiler

    def events(self):
        """Every recorded event (FunctionEvent), in the order they started."""
        return self._backend("accessing events").function_events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """The events summed by name (and input shapes): ``.table()`` prints them."""
        return self._backend("getting key averages").key_averages(group_by_input_shape)

    def export_chrome_trace(self, path, use_python_export=False):
        """Write the trace as Chrome trace-event JSON (open it in Perfetto or chrome://tracing)."""
        self._backend("exporting chrome trace").export_chrome_trace(path)
