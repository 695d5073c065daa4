"""A virtual clock for moto's Step Functions interpreter.

moto waits in real time (Wait states, task timeouts, task tokens, heartbeats, retry back-off). We swap
the waiting primitives inside its interpreter modules for clock-aware ones, and move the wall clock with
time-machine, so a 30-day timer fires in milliseconds and only when the clock passes it. Every waiting
interpreter thread registers itself as *parked*, which gives an exact "nothing is running" check instead
of sleeps. In ticking mode (the local server) virtual time also flows with real time.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import inspect
import math
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import time_machine

UTC = _dt.UTC

_SF = "moto.stepfunctions.parser"
# module -> attributes it must still have for the hooks to mean anything
_HOOK_POINTS = {
    f"{_SF}.utils": ["TMP_THREADS"],
    f"{_SF}.asl.eval.environment": ["threading"],
    f"{_SF}.asl.eval.callback.callback": ["Event", "CallbackEndpoint", "HeartbeatEndpoint"],
    f"{_SF}.asl.component.state.exec.execute_state": ["threading", "Thread"],
    f"{_SF}.asl.component.program.program": ["threading"],
    f"{_SF}.asl.component.common.retry.retrier_decl": ["time"],
    f"{_SF}.asl.component.state.wait.wait_function.wait_function": ["WaitFunction"],
    f"{_SF}.asl.component.state.wait.wait_function.timestamp": ["datetime"],
    f"{_SF}.asl.component.state.exec.state_parallel.branches_decl": ["threading"],
    f"{_SF}.asl.component.state.exec.state_map.iteration.job": ["threading"],
    f"{_SF}.asl.eval.count_down_latch": ["threading"],
}


# The wall clock moves in whole microseconds, while jittered retry delays are arbitrary floats: a deadline within
# this much of the clock is due, or a timer could wait for an instant the clock never reads.
RESOLUTION = 1e-6


class HookPointMissing(RuntimeError):
    """moto's internals moved: the virtual clock would silently wait in real time."""


@dataclass
class _Parked:
    deadline: float | None  # epoch seconds, None = until signalled
    event: object | None


class VirtualClock:
    """Virtual UTC time shared by the test/server thread and every interpreter thread."""

    def __init__(self, start: _dt.datetime, *, tick: bool = False, idle_timeout: float = 30.0):
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.tick = tick
        self.idle_timeout = idle_timeout  # real seconds executions may take to park again before it is an error
        self.cond = threading.Condition()
        self._parked: dict[int, _Parked] = {}
        self._closing = False
        # A float destination keeps the process time zone: only moto's naive now() is pinned to UTC.
        self._traveller = time_machine.travel(start.timestamp(), tick=tick)
        self._coordinates: time_machine.Traveller | None = None

    # -- wall clock -------------------------------------------------------------------------------
    def start(self) -> VirtualClock:
        self._coordinates = self._traveller.start()
        self._timestamp()  # time-machine anchors ticking at the first read after a move: read now
        return self

    def stop(self) -> None:
        self._traveller.stop()

    def release_all(self) -> None:
        """Let every parked thread run to its end (teardown); later waits return at once."""
        with self.cond:
            self._closing = True
            self._parked.clear()
            self.cond.notify_all()

    def now(self) -> _dt.datetime:
        return _dt.datetime.now(UTC)

    def _timestamp(self) -> float:
        return time.time()

    def _move_to(self, ts: float) -> None:
        if self._coordinates is None:
            raise RuntimeError("start() the clock before moving it")
        if ts > self._timestamp():
            self._coordinates.move_to(ts)
            self._timestamp()

    # -- parking ----------------------------------------------------------------------------------
    def park(self, deadline: float | None, event=None, woken: Callable[[], bool] = lambda: False) -> bool:
        """Block the calling thread until `woken()` or the virtual deadline; True if woken.

        Must be called with `self.cond` held.
        """
        ident = threading.get_ident()
        while True:
            if woken():
                return True
            if self._closing:
                return False
            now = self._timestamp()
            if deadline is not None and now >= deadline - RESOLUTION:
                return False
            self._parked[ident] = _Parked(deadline, event)
            try:
                real_timeout = None
                if self.tick and deadline is not None:
                    real_timeout = max(0.001, min(deadline - now, 1.0))
                self.cond.wait(real_timeout)
            finally:
                self._parked.pop(ident, None)

    def release_event_waiters(self, event) -> None:
        """Unpark the waiters of `event` at once, so the idle check never counts them as parked."""
        for ident, parked in list(self._parked.items()):
            if parked.event is event:
                del self._parked[ident]
        self.cond.notify_all()

    def sleep(self, seconds: float) -> None:
        with self.cond:
            self.park(self._timestamp() + seconds)

    # -- observing and driving ----------------------------------------------------------------------
    def _threads(self) -> list[threading.Thread]:
        from moto.stepfunctions.parser.utils import TMP_THREADS

        for t in [t for t in TMP_THREADS if t.ident is not None and not t.is_alive()]:
            try:
                TMP_THREADS.remove(t)
            except ValueError:
                pass
        return [t for t in TMP_THREADS if t.is_alive()]

    def is_idle(self) -> bool:
        """True when every live interpreter thread waits for a future instant or a signal."""
        with self.cond:
            now = self._timestamp()
            for t in self._threads():
                parked = self._parked.get(t.ident) if t.ident is not None else None
                if parked is None or (parked.deadline is not None and parked.deadline <= now):
                    return False
            return True

    def run_until_idle(self, timeout: float | None = None) -> None:
        """Wait (real time) until every execution is parked; raise if that takes longer than `timeout`."""
        timeout = self.idle_timeout if timeout is None else timeout
        limit = time.monotonic() + timeout
        while not self.is_idle():
            if time.monotonic() > limit:
                raise TimeoutError(f"executions still running after {timeout}s: {self._describe_busy()}")
            time.sleep(0.001)

    def _describe_busy(self) -> str:
        return ", ".join(t.name for t in self._threads() if t.ident not in self._parked)

    def next_deadline(self) -> float | None:
        with self.cond:
            deadlines = [p.deadline for p in self._parked.values() if p.deadline is not None]
        return min(deadlines) if deadlines else None

    def advance(self, delta: _dt.timedelta | None = None, *, to: _dt.datetime | None = None, **kwargs) -> _dt.datetime:
        """Move virtual time forward, firing every timer in order at its own instant.

        `advance(days=10)`, `advance(timedelta(hours=48))` or `advance(to=instant)`.
        Returns once every execution is parked again.
        """
        if to is None:
            delta = delta if delta is not None else _dt.timedelta(**kwargs)
            if delta < _dt.timedelta(0):
                raise ValueError("the clock only moves forward")
            target = self._timestamp() + delta.total_seconds()
        else:
            if to.tzinfo is None:
                raise ValueError("target instant must be timezone-aware")
            target = to.timestamp()
            if target < self._timestamp():
                raise ValueError("the clock only moves forward")
        self.run_until_idle()
        while True:
            nxt = self.next_deadline()
            if nxt is None or nxt > target:
                break
            self._wake_due(nxt)
            self.run_until_idle()
        self._wake_due(target)
        self.run_until_idle()
        return self.now()

    def _wake_due(self, ts: float) -> None:
        with self.cond:
            self._move_to(ts)
            now = self._timestamp()
            for ident, parked in list(self._parked.items()):
                if parked.deadline is not None and parked.deadline <= now + RESOLUTION:
                    del self._parked[ident]
            self.cond.notify_all()


# ------------------------------------------------------------------------------------------------
# Clock-aware replacements for the primitives moto's interpreter waits on
# ------------------------------------------------------------------------------------------------

_CLOCK: VirtualClock | None = None


def _clock() -> VirtualClock:
    if _CLOCK is None:
        raise RuntimeError("virtual clock hooks installed without a clock")
    return _CLOCK


class VirtualEvent:
    """threading.Event whose timeouts run on the virtual clock; handles moto's set()+clear() pulses."""

    def __init__(self):
        self._flag = False
        self._generation = 0

    def is_set(self) -> bool:
        return self._flag

    isSet = is_set

    def set(self) -> None:
        clock = _clock()
        with clock.cond:
            self._flag = True
            self._generation += 1
            clock.release_event_waiters(self)

    def clear(self) -> None:
        with _clock().cond:
            self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        clock = _clock()
        with clock.cond:
            if self._flag:
                return True
            generation = self._generation
            deadline = None if timeout is None else clock._timestamp() + timeout
            return clock.park(deadline, self, lambda: self._generation != generation)


class VirtualThread(threading.Thread):
    """Thread whose join() parks on the virtual clock (moto's execution timeout is a join timeout)."""

    _finished = False

    def run(self):
        try:
            super().run()
        finally:
            clock = _clock()
            with clock.cond:
                self._finished = True
                clock.release_event_waiters(self)

    def join(self, timeout: float | None = None) -> None:
        clock = _clock()
        with clock.cond:
            deadline = None if timeout is None else clock._timestamp() + timeout
            finished = clock.park(deadline, self, lambda: self._finished)
        if finished:
            super().join()


class VirtualCondition(threading.Condition):
    """Condition whose untimed wait() counts as parked (Map/Parallel latches)."""

    def wait(self, timeout: float | None = None) -> bool:
        clock = _clock()
        ident = threading.get_ident()
        with clock.cond:
            clock._parked[ident] = _Parked(None, self)
        try:
            return super().wait(timeout)
        finally:
            with clock.cond:
                clock._parked.pop(ident, None)

    def notify_all(self) -> None:
        super().notify_all()
        clock = _clock()
        with clock.cond:
            clock.release_event_waiters(self)


class _UtcNaiveDatetime(_dt.datetime):
    """moto compares Wait timestamps (naive UTC) with naive *local* now(); make that now() UTC."""

    @classmethod
    def now(cls, tz=None):
        if tz is None:
            return _dt.datetime.now(UTC).replace(tzinfo=None)
        return _dt.datetime.now(tz)


def _module_like(original: types.ModuleType, **overrides) -> types.ModuleType:
    shim = types.ModuleType(f"virtual_{original.__name__}")
    shim.__dict__.update({k: v for k, v in original.__dict__.items() if not k.startswith("__")})
    shim.__dict__.update(overrides)
    return shim


def _check_hook_points() -> dict[str, types.ModuleType]:
    modules = {}
    for name, attrs in _HOOK_POINTS.items():
        try:
            module = importlib.import_module(name)
        except ImportError as exc:  # pragma: no cover - only when moto moves
            raise HookPointMissing(f"moto module {name} is gone: {exc}") from exc
        missing = [a for a in attrs if not hasattr(module, a)]
        if missing:
            raise HookPointMissing(f"moto module {name} no longer has {missing}")
        modules[name] = module
    wait_fn = modules[f"{_SF}.asl.component.state.wait.wait_function.wait_function"].WaitFunction
    if "program_state_event" not in inspect.getsource(wait_fn._wait_interval):
        raise HookPointMissing("WaitFunction._wait_interval no longer waits on env.program_state_event")
    timestamp = modules[f"{_SF}.asl.component.state.wait.wait_function.timestamp"].Timestamp
    if "int(delta.total_seconds())" not in inspect.getsource(timestamp._get_wait_seconds):
        raise HookPointMissing("Timestamp._get_wait_seconds no longer truncates with int(delta.total_seconds())")
    return modules


_installed: list[tuple[types.ModuleType, str, object]] = []
_ABSENT = object()


def install(clock: VirtualClock) -> None:
    """Point moto's interpreter at `clock`. Raises HookPointMissing if moto's internals moved."""
    global _CLOCK
    modules = _check_hook_points()
    if _installed:
        uninstall()
    _CLOCK = clock
    thread_shim = _module_like(threading, Event=VirtualEvent, Thread=VirtualThread, Condition=VirtualCondition)
    patches: dict[str, dict[str, Any]] = {
        f"{_SF}.asl.eval.environment": {"threading": thread_shim},
        f"{_SF}.asl.eval.callback.callback": {"Event": VirtualEvent},
        f"{_SF}.asl.component.state.exec.execute_state": {"threading": thread_shim},
        f"{_SF}.asl.component.program.program": {"threading": thread_shim},
        f"{_SF}.asl.component.common.retry.retrier_decl": {"time": _module_like(time, sleep=clock.sleep)},
        f"{_SF}.asl.component.state.wait.wait_function.timestamp": {
            "datetime": _module_like(_dt, datetime=_UtcNaiveDatetime),
            # moto truncates the seconds to wait, firing up to a second early; AWS never fires before.
            "int": math.ceil,
        },
        f"{_SF}.asl.component.state.exec.state_parallel.branches_decl": {"threading": thread_shim},
        f"{_SF}.asl.component.state.exec.state_map.iteration.job": {"threading": thread_shim},
        f"{_SF}.asl.eval.count_down_latch": {"threading": thread_shim},
    }
    for module_name, attrs in patches.items():
        module = modules[module_name]
        for attr, value in attrs.items():
            _installed.append((module, attr, getattr(module, attr, _ABSENT)))
            setattr(module, attr, value)


def uninstall() -> None:
    """Restore moto. The last clock stays current so abandoned threads still find it (released)."""
    while _installed:
        module, attr, original = _installed.pop()
        if original is _ABSENT:
            delattr(module, attr)
        else:
            setattr(module, attr, original)
