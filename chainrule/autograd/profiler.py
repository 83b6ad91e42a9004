"""The profiler's recorder and its results (``torch.autograd.profiler``).

While a profiler records, every op's ``forward`` and every graph node's
``backward`` is timed, as are ``Optimizer.step`` / ``zero_grad`` and the
ranges a user marks with ``record_function``. Nothing is checked on the
per-op path when no profiler runs: on entering, the recorder replaces the
``forward`` / ``backward`` of every Function subclass (built-in primitives
and user Functions alike) with a timing wrapper, and puts the originals back
on exit, also when the profiled code raised.

Events are named as chainrule's graph names them: an op's forward by its
class (``Mul``, ``Linear``), a backward by its node (``MulBackward0``, what
``grad_fn`` prints). PyTorch names forwards after ATen ops (``aten::mul``)
and wraps each backward in an ``autograd::engine::evaluate_function: ...``
event; chainrule has no ATen layer, and the engine does nothing worth its own
event besides the backward itself. Only the thread that started the profiler
is recorded: chainrule's worker threads run slices of the op being timed.

>>> import chainrule
>>> from chainrule.autograd import profiler
>>> x = chainrule.ones(3, requires_grad=True)
>>> with profiler.profile() as prof:
...     with profiler.record_function("loss"):
...         loss = (x * x).sum()
...     loss.backward()
>>> [event.name for event in prof.function_events]
['loss', 'Mul', 'Sum', 'SumBackward0', 'MulBackward0']
>>> prof.function_events[1].cpu_parent.name
'loss'
"""

import contextlib
import gzip
import json
import os
import sys
import threading
import time
import types
import warnings
from collections import defaultdict

from .function import Function

_clock = time.perf_counter_ns
_get_ident = threading.get_ident
_current = None  # the _Recorder now recording, if any
_MISSING = object()


class _Recorder:
    """One recording: the wrappers it installed and the events they timed."""

    def __init__(self, record_shapes):
        self.record_shapes = record_shapes
        self.thread = _get_ident()
        self.origin = _clock()
        self.events = []  # in start order
        self.open = []  # events begun and not yet ended, innermost last
        self.replaced = []  # (class, attribute, its own entry before, or _MISSING)

    def begin(self, name, inputs, category="cpu_op"):
        parent = self.open[-1] if self.open else None
        # arrays and Tensors give their shape, anything else (numbers, dims) []
        shapes = [list(getattr(value, "shape", ())) for value in inputs] if self.record_shapes else []
        event = FunctionEvent(len(self.events), name, threading.get_native_id(), shapes, category)
        if parent is not None:
            event.cpu_parent = parent
            parent.cpu_children.append(event)
        self.events.append(event)
        self.open.append(event)
        event.time_range.start = (_clock() - self.origin) / 1000
        return event

    def end(self, event):
        event.time_range.end = (_clock() - self.origin) / 1000
        if self.open[-1] is event:
            self.open.pop()
        else:  # ranges closed out of order (record_function used by hand)
            self.open.remove(event)

    def install(self):
        """Wrap every timed method; all originals are found before any is replaced,
        so a subclass never wraps its parent's wrapper."""
        targets = []
        for cls in _subclasses(Function):
            targets.append((cls, "forward", cls.__name__, True))
            targets.append((cls, "backward", cls.name(), True))
        optimizer = sys.modules.get("chainrule.optim.optimizer")  # loaded if any optimizer exists
        if optimizer is not None:
            for cls in [optimizer.Optimizer, *_subclasses(optimizer.Optimizer)]:
                for method in ("step", "zero_grad"):
                    targets.append((cls, method, f"Optimizer.{method}#{cls.__name__}.{method}", False))
        wrappers = []
        for cls, attribute, name, has_inputs in targets:
            original = next(c.__dict__[attribute] for c in cls.__mro__ if attribute in c.__dict__)
            if original is Function.__dict__.get(attribute):
                continue  # the base class's "subclass must define" stub
            wrapper = _wrap(original, name, has_inputs, self)
            if wrapper is not None:
                wrappers.append((cls, attribute, wrapper))
        try:
            for cls, attribute, wrapper in wrappers:
                self.replaced.append((cls, attribute, cls.__dict__.get(attribute, _MISSING)))
                setattr(cls, attribute, wrapper)
        except BaseException:
            self.uninstall()
            raise

    def uninstall(self):
        for cls, attribute, own in reversed(self.replaced):
            if own is _MISSING:
                delattr(cls, attribute)
            else:
                setattr(cls, attribute, own)
        self.replaced = []


def _subclasses(cls):
    """Every subclass of ``cls``, each once, parents before children."""
    seen, order, pending = set(), [], list(cls.__subclasses__())
    while pending:
        sub = pending.pop(0)
        if sub not in seen:
            seen.add(sub)
            order.append(sub)
            pending.extend(sub.__subclasses__())
    return order


def _wrap(original, name, has_inputs, recorder):
    """``original`` (a class's raw entry) timed as ``name``, of the same kind
    (function, staticmethod or classmethod); None for what cannot be wrapped."""
    kind = type(original)
    function = original.__func__ if kind in (staticmethod, classmethod) else original
    if not isinstance(function, types.FunctionType):
        return None

    def timed(*args, **kwargs):
        # a wrapper kept past its recording (a bound method someone stored) just calls through
        if _current is not recorder or _get_ident() != recorder.thread:
            return function(*args, **kwargs)
        inputs = ()
        if has_inputs:
            inputs = args[1:] if args and isinstance(args[0], Function) else args
        event = recorder.begin(name, inputs)
        try:
            return function(*args, **kwargs)
        finally:
            recorder.end(event)

    timed.__name__, timed.__qualname__, timed.__doc__ = (
        function.__name__,
        function.__qualname__,
        function.__doc__,
    )
    return kind(timed) if kind in (staticmethod, classmethod) else timed


class record_function(contextlib.ContextDecorator):
    """Mark a range of code (a ``with`` block or a decorated function) as one event
    named ``name``; the ops run inside are its children. Free when no profiler records.

    >>> import chainrule
    >>> from chainrule.autograd import profiler
    >>> with profiler.profile() as prof:
    ...     with profiler.record_function("twice"):
    ...         y = chainrule.ones(2) * 2
    >>> [(e.name, e.cpu_parent and e.cpu_parent.name) for e in prof.function_events]
    [('twice', None), ('Mul', 'twice')]
    """

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self._entered = []  # (recorder, event) per entry: a decorated function may recurse

    def __enter__(self):
        recorder = _current
        event = None
        if recorder is not None and _get_ident() == recorder.thread:
            event = recorder.begin(self.name, (), "user_annotation")
        self._entered.append((recorder, event))
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        recorder, event = self._entered.pop()
        if event is not None and recorder is _current:
            recorder.end(event)


class profile:
    """Record the time of every op, backward node, optimizer step and
    ``record_function`` range run inside the ``with`` block (the older API
    beneath ``chainrule.profiler.profile``).

    Only CPU time is measured: ``use_cuda`` / ``use_device`` warn that the
    device is not available and are ignored, as on PyTorch's CPU build;
    ``profile_memory``, ``with_stack``, ``with_flops`` and ``with_modules``
    warn that chainrule does not record them.

    >>> import chainrule
    >>> from chainrule.autograd import profiler
    >>> with profiler.profile(record_shapes=True) as prof:
    ...     y = chainrule.ones(2, 3) @ chainrule.ones(3, 4)
    >>> [(e.key, e.count, e.input_shapes) for e in prof.key_averages(group_by_input_shape=True)]
    [('MatMul', 1, [[2, 3], [3, 4]])]
    """

    def __init__(
        self,
        enabled=True,
        *,
        use_cuda=False,
        use_device=None,
        record_shapes=False,
        with_flops=False,
        profile_memory=False,
        with_stack=False,
        with_modules=False,
        use_kineto=False,
        use_cpu=True,
        experimental_config=None,
        acc_events=False,
        custom_trace_id_callback=None,
        post_processing_timeout_s=None,
        activity_filters=None,
    ):
        self.enabled = enabled
        if not enabled:
            return
        if use_cuda:
            warnings.warn(
                "The attribute `use_cuda` will be deprecated soon, "
                "please use ``use_device = 'cuda'`` instead.",
                FutureWarning,
                stacklevel=2,
            )
            use_device = "cuda"
        if use_device is not None:
            if use_device in ("cuda", "xpu", "hpu"):
                name = use_device.upper()
                warnings.warn(f"{name} is not available, disabling {name} profiling", stacklevel=2)
            else:
                warnings.warn(f"The {use_device} is not a valid device option.", stacklevel=2)
        for option, value in (
            ("profile_memory", profile_memory),
            ("with_stack", with_stack),
            ("with_flops", with_flops),
            ("with_modules", with_modules),
        ):
            if value:
                warnings.warn(
                    f"chainrule's profiler does not record {option}: it measures CPU time and input "
                    "shapes only",
                    UserWarning,
                    stacklevel=2,
                )
        if not use_cpu:
            if not use_kineto:
                raise AssertionError("Device-only events supported only with Kineto (use_kineto=True)")
            raise AssertionError("No activities specified for the profiler")
        self.use_cuda = False
        self.use_device = None
        self.record_shapes = record_shapes or with_flops
        self.acc_events = acc_events
        self.entered = False
        self._recorder = None
        self._function_events = EventList()

    def __enter__(self):
        if not self.enabled:
            return None
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self._start()
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if self.enabled:
            self._stop()
        return False

    def _start(self):
        global _current
        if _current is not None:
            raise RuntimeError(
                "a chainrule profiler is already recording; nest record_function ranges inside one "
                "profiler instead of starting a second"
            )
        self.entered = True
        recorder = _Recorder(self.record_shapes)
        recorder.install()
        _current = self._recorder = recorder

    def _stop(self):
        global _current
        recorder = self._recorder
        if recorder is None:
            return
        if _current is recorder:
            _current = None
        recorder.uninstall()
        self._recorder = None
        for event in recorder.open:  # ranges still open when recording stopped end with it
            event.time_range.end = (_clock() - recorder.origin) / 1000
        kept = list(self._function_events) if self.acc_events else []
        self._function_events = EventList(kept + recorder.events)

    @property
    def function_events(self):
        return self._function_events

    def table(
        self, sort_by=None, row_limit=100, max_name_column_width=55, max_shapes_column_width=80, **kwargs
    ):
        return self._function_events.table(
            sort_by=sort_by,
            row_limit=row_limit,
            max_name_column_width=max_name_column_width,
            max_shapes_column_width=max_shapes_column_width,
            **kwargs,
        )

    table.__doc__ = "The events as a table; see ``EventList.table``."

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """The events summed by name (and input shapes, if asked): an EventList of FunctionEventAvg."""
        return self._function_events.key_averages(group_by_input_shape)

    def total_average(self):
        return self._function_events.total_average()

    @property
    def self_cpu_time_total(self):
        """The sum of every event's self time: the time recorded, in microseconds."""
        return self._function_events.self_cpu_time_total

    def export_chrome_trace(self, path, metadata=None, use_python_export=False):
        self._function_events.export_chrome_trace(path)

    export_chrome_trace.__doc__ = "Write the events as a Chrome trace; see ``EventList.export_chrome_trace``."

    def __str__(self):
        return str(self._function_events)

    def __repr__(self):
        return repr(self._function_events)


# --- results: PyTorch's profiler_util, for CPU events ---------------------------------


class Interval:
    """An event's start and end, in microseconds since the profiler started."""

    def __init__(self, start, end):
        self.start = start
        self.end = end

    def elapsed_us(self):
        return self.end - self.start


def _format_time(time_us):
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_share(time_us, total_time_us):
    if total_time_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_time_us:.2f}%"


class _Times:
    """What an event and an average of events share; no device time is ever measured."""

    device_time_total = self_device_time_total = 0
    cpu_memory_usage = self_cpu_memory_usage = 0

    @property
    def cpu_time(self):
        """The average time per call, in microseconds."""
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def device_time(self):
        return 0.0


class FunctionEvent(_Times):
    """One timed call: its name, time range, thread, input shapes and the events nested in it."""

    def __init__(self, id, name, thread, input_shapes, category="cpu_op"):
        self.id = id
        # steps are summed together in the table; the trace keeps each one's number
        self.name = "ProfilerStep*" if name.startswith("ProfilerStep#") else name
        self.trace_name = name
        self.thread = thread
        self.input_shapes = input_shapes
        self.category = category
        self.time_range = Interval(0.0, 0.0)
        self.count = 1
        self.cpu_parent = None
        self.cpu_children = []

    @property
    def key(self):
        return self.name

    @property
    def cpu_time_total(self):
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self):
        """The time not spent in the events nested inside this one."""
        return self.cpu_time_total - sum(child.cpu_time_total for child in self.cpu_children)

    def __repr__(self):
        return (
            f"<FunctionEvent id={self.id} name={self.name} cpu_time={_format_time(self.cpu_time)} "
            f"start_us={self.time_range.start} end_us={self.time_range.end} "
            f"cpu_children={[child.id for child in self.cpu_children]} thread={self.thread} "
            f"input_shapes={self.input_shapes}>"
        )


class FunctionEventAvg(_Times):
    """The events of one key (and input shapes) summed: ``count`` calls in all."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.cpu_time_total = 0
        self.self_cpu_time_total = 0
        self.input_shapes = None
        self.cpu_parent = None
        self.cpu_children = None

    def add(self, other):
        if self.key is None:
            self.key = other.key
            self.input_shapes = other.input_shapes
            self.cpu_parent = other.cpu_parent
            self.cpu_children = other.cpu_children
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.count += other.count
        return self

    def __iadd__(self, other):
        return self.add(other)

    def __repr__(self):
        return (
            f"<FunctionEventAvg key={self.key} self_cpu_time={_format_time(self.self_cpu_time_total)} "
            f"cpu_time={_format_time(self.cpu_time)} input_shapes={self.input_shapes}>"
        )


class EventList(list):
    """A list of events (or of their averages) that prints as PyTorch's table."""

    def __str__(self):
        return self.table()

    @property
    def self_cpu_time_total(self):
        return sum(event.self_cpu_time_total for event in self)

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0, group_by_overload_name=False):
        """The events summed per name, or per (name, input shapes): a FunctionEventAvg each,
        in order of first appearance."""
        stats = defaultdict(FunctionEventAvg)
        for event in self:
            key = (event.key, str(event.input_shapes)) if group_by_input_shapes else event.key
            stats[key].add(event)
        averages = EventList(stats.values())
        if not group_by_input_shapes:
            for average in averages:
                average.input_shapes = ""
        return averages

    def total_average(self):
        total = FunctionEventAvg()
        for event in self:
            total.add(event)
        total.key = "Total"
        return total

    def table(
        self,
        sort_by=None,
        row_limit=100,
        max_src_column_width=75,
        max_name_column_width=55,
        max_shapes_column_width=80,
        header=None,
        top_level_events_only=False,
        time_unit=None,
    ):
        """The events as a table in PyTorch's layout, largest ``sort_by`` first
        (``cpu_time_total``, ``self_cpu_time_total``, ``cpu_time``, ``count``, ...)."""
        return _build_table(
            self,
            sort_by,
            row_limit,
            max_name_column_width,
            max_shapes_column_width,
            header,
            top_level_events_only,
            time_unit,
        )

    def export_chrome_trace(self, path):
        """Write the events in the Chrome trace-event format (chrome://tracing, Perfetto),
        through a temporary file and a rename; a path ending in ``.gz`` is gzipped."""
        from ..serialization import _write_atomically  # a file helper of the upper layer, needed only here

        pid = os.getpid()
        trace = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": "python"}}]
        for thread in sorted({event.thread for event in self}):
            trace.append(
                {
                    "ph": "M",
                    "name": "thread_name",
                    "pid": pid,
                    "tid": thread,
                    "args": {"name": f"thread {thread}"},
                }
            )
        for event in self:
            args = {"Input Dims": event.input_shapes} if event.input_shapes else {}
            trace.append(
                {
                    "ph": "X",
                    "cat": event.category,
                    "name": event.trace_name,
                    "pid": pid,
                    "tid": event.thread,
                    "ts": event.time_range.start,
                    "dur": event.time_range.elapsed_us(),
                    "args": args,
                }
            )
        data = json.dumps({"schemaVersion": 1, "displayTimeUnit": "ms", "traceEvents": trace}).encode()
        _write_atomically(os.fspath(path), gzip.compress(data) if os.fspath(path).endswith(".gz") else data)


def _build_table(
    events, sort_by, row_limit, max_name_width, max_shapes_width, header, top_level_only, time_unit
):
    """PyTorch's ``_build_table`` (profiler_util.py) for CPU columns, column for column."""
    if len(events) == 0:
        return ""
    has_input_shapes = any(event.input_shapes for event in events)
    if sort_by is not None:
        attribute = (
            sort_by.replace("cuda", "device").replace("xpu", "device").replace("privateuse1", "device")
        )
        events = sorted(events, key=lambda event: getattr(event, attribute), reverse=True)
    name_width = min(max(len(event.key) for event in events) + 4, max_name_width)
    shapes_width = min(max(len(str(event.input_shapes)) for event in events) + 4, max_shapes_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    widths = [name_width] + [12] * 6
    if has_input_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
    row_format = "".join("{: >" + str(width) + "}  " for width in widths)
    separator = "".join("-" * width + "  " for width in widths)
    line_length = sum(width + 2 for width in widths) - 2

    def as_time(time_us):
        scale = {"s": 1e6, "ms": 1e3, "us": 1}.get(time_unit)
        return _format_time(time_us) if scale is None else f"{time_us / scale:.3f}{time_unit}"

    total = sum(event.self_cpu_time_total for event in events)
    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for event in events:
        if shown == row_limit:
            break
        if top_level_only and event.cpu_parent is not None:
            continue
        shown += 1
        name = event.key
        if len(name) >= max_name_width - 3:
            name = name[: max_name_width - 3] + "..."
        row = [
            name,
            _format_time_share(event.self_cpu_time_total, total),
            as_time(event.self_cpu_time_total),
            _format_time_share(event.cpu_time_total, total),
            as_time(event.cpu_time_total),
            as_time(event.cpu_time),
            event.count,
        ]
        if has_input_shapes:
            row.append(str(event.input_shapes)[:shapes_width])
        lines.append(row_format.format(*row))
    lines += [separator, f"Self CPU time total: {as_time(total)}"]
    return "\n".join(lines) + "\n"


__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "Interval", "profile", "record_function"]
