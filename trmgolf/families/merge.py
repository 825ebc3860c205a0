"""The one cost-ordered merge of every family's candidates, analytical solvers and search alike.

Each family is a lazy stream of ``Step``s. The merge orders every candidate by the least that
its network can cost once compiled, and never runs a family further than that order needs:

- a ``solver`` family's graph is still optimised by the compiler, so its estimate bounds the
  final cost from above only; the least it can cost is 0, and solvers come first, in the
  caller's order (the route), whatever the bound. Their graphs are exact by contract.
- a ``search`` family's graph is the network as emitted, so its estimate is its cost: it is
  pulled only below the caller's ``bound`` (the cheapest network proven so far), cheapest
  first, and only once a rule is proven (``rule_proven``): a search fits structure, and on a
  task no solver explains it would only spend the budget. Its candidates are checked
  (``exact``) on every fit example before they are offered. All search streams share one work
  ``Budget``, made when the first of them starts, so solvers' time does not count against it.

The caller reads ``Offer``s, compiles and verifies them, and lowers ``bound`` (or closes a
kind) as it proves networks; the merge reads both before each step.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from trmgolf.families.contract import Budget, Candidate, Family, Fit, FitData, Step, exact

#: Kinds whose candidates are offered before any bound applies (their cost can still drop).
_UNBOUNDED = frozenset({"solver"})


@dataclass(frozen=True)
class Entry:
    """One family as the merge runs it: a name, its kind and its fit."""

    name: str
    kind: str
    fit: Fit

    @classmethod
    def of(cls, family: Family) -> Entry:
        return cls(family.name, family.kind, family.fit)


@dataclass(frozen=True)
class Offer:
    """What the merge hands its caller: ``entry``'s next ``candidate``; or, for a solver that
    yielded nothing, ``candidate`` None; or the ``error`` its fit raised (its stream ends).
    ``rank``: the entry's position; ``seconds``: wall time its fit spent since its last offer."""

    entry: Entry
    rank: int
    candidate: Candidate | None
    seconds: float
    error: Exception | None = None


class _Stream:
    """One family's steps, advanced only as far as the merge's order requires."""

    def __init__(self, entry: Entry, rank: int) -> None:
        self.entry, self.rank = entry, rank
        self.steps: Iterator[Step] | None = None
        self.budget: Budget | None = None
        self.level = 0  # the family works on networks of at least this cost next
        self.ready: Candidate | None = None
        self.done = self.closed = False
        self.offered = False
        self.seconds = 0.0

    @property
    def unbounded(self) -> bool:
        return self.entry.kind in _UNBOUNDED

    def key(self, found: Candidate) -> float:
        """The least the candidate's network can cost once compiled (the merge's order)."""
        return 0 if self.unbounded else found.cost


class Merge:
    """Every entry's candidates in one order (see the module doc); iterate it once."""

    def __init__(self, data: FitData, entries: list[Entry], *, search_work: int = 0,
                 search_s: float = 0.0, bound: float = math.inf, rule_proven: bool = False,
                 fatal: tuple[type[BaseException], ...] = ()) -> None:
        self.data = data
        self.streams = [_Stream(e, i) for i, e in enumerate(entries)]
        self.search_work, self.search_s = search_work, search_s
        self.bound = bound  # the caller lowers it: nothing bounded is offered at or above it
        self.rule_proven = rule_proven  # the caller sets it: bounded kinds may start
        self.fatal = fatal  # exceptions that end the caller's task rather than one family
        self.shared: Budget | None = None
        self.cpu_s: dict[str, float] = {}  # CPU seconds spent in each kind's fits and checks
        self.wall_s: dict[str, float] = {}  # the same in wall seconds (the run's stage times)

    def close(self, kind: str) -> None:
        """No more candidates of ``kind`` (e.g. ``solver`` once one network is confirmed)."""
        for s in self.streams:
            if s.entry.kind == kind:
                s.closed = True

    def __iter__(self) -> Iterator[Offer]:
        while True:
            # bounded kinds stop together once their shared budget is spent (checked per round)
            bounded_open = self.rule_proven and not (self.shared is not None and self.shared())
            best: tuple[_Stream, Candidate] | None = None
            for s in self.streams:
                if s.closed or not (s.unbounded or bounded_open):
                    continue
                limit = (math.inf if s.unbounded else self.bound) if best is None else best[0].key(best[1])
                found, offer = self._peek_below(s, limit)
                if offer is not None:  # an empty solver or an error: offered at once, in order
                    yield offer
                    best = None
                    break
                if found is not None:
                    best = (s, found)
            else:
                if best is None:
                    return
                stream, found = best
                stream.ready = None
                checked = stream.unbounded or self._timed(stream, lambda f=found: exact(f.graph, self.data))
                if not checked:
                    continue
                stream.offered = True
                seconds, stream.seconds = stream.seconds, 0.0
                yield Offer(stream.entry, stream.rank, found, seconds)

    def _peek_below(self, s: _Stream, limit: float) -> tuple[Candidate | None, Offer | None]:
        """The stream's next candidate if its key is below ``limit`` (else None), pulling
        steps only while the family works below it; or an offer to hand out at once."""
        while s.ready is None and not s.done and not s.closed and s.level < limit:
            if s.steps is None:
                s.budget = self._budget(s)
                s.steps = s.entry.fit(self.data, s.budget)
            if s.budget is not None and s.budget():
                break
            try:
                step = self._timed(s, lambda s=s: next(s.steps, None))  # type: ignore[arg-type]
            except self.fatal:
                raise
            except Exception as e:  # noqa: BLE001 - one family's bug ends its stream, not the run
                s.done = True
                return None, Offer(s.entry, s.rank, None, s.seconds, e)
            if s.budget is not None and not s.unbounded:
                s.budget.spend(1)
            if step is None:
                s.done = True
                if s.unbounded and not s.offered:
                    return None, Offer(s.entry, s.rank, None, s.seconds)
            else:
                s.level = s.key(step) if isinstance(step, Candidate) else step.cost
                if isinstance(step, Candidate):
                    s.ready = step
        if s.ready is not None and not s.closed and s.key(s.ready) < limit:
            return s.ready, None
        return None, None

    def _budget(self, s: _Stream) -> Budget:
        if s.unbounded:
            return Budget(1, math.inf)  # a solver's fit keeps its own budget inside
        if self.shared is None:
            self.shared = Budget(self.search_work, self.search_s)
        return self.shared

    def _timed(self, s: _Stream, work: Callable[[], object]) -> object:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return work()
        finally:
            wall = time.perf_counter() - t0
            s.seconds += wall
            kind = s.entry.kind
            self.cpu_s[kind] = self.cpu_s.get(kind, 0.0) + time.process_time() - c0
            self.wall_s[kind] = self.wall_s.get(kind, 0.0) + wall
