"""``optimize`` on random wasteful networks (issue 24): the share that come back at or below
the cost of the network they wrap, and the shapes (wrapper kinds) that do not.

    python -m bench.fuzz_optimize --seeds 2000 [--start 0] [--data DIR] [--public N] [--json OUT]

Each seed builds one network with ``tests/wasteful_fuzz.py`` (a core wrapped in layers that
change nothing the grader sees), optimises it with ``optimize_model`` and checks the result
under onnxruntime against the core: on random one-hot grids, and for a public core on every
example of its task. ``reached``: the result costs no more than the core. ``compiled``: no
more than the core after the compiler's own passes and lowering (the wrappers are gone; what
is left is how the compiler lowers the core itself). It exits 1, naming the seeds, if any
result is inexact or costs more than its input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parents[1] / "tests"


@dataclass
class Outcome:
    seed: int
    core: str
    shape: str
    core_cost: int
    compiled_cost: int
    before: int
    after: int | None
    exact: bool
    error: str | None = None

    @property
    def reached(self) -> bool:
        return self.after is not None and self.after <= self.core_cost

    @property
    def compiled(self) -> bool:
        return self.after is not None and self.after <= max(self.core_cost, self.compiled_cost)

    @property
    def worse(self) -> bool:
        return self.after is not None and self.after > self.before


def _random_grids(count: int, seed: int) -> list[np.ndarray]:
    from trmgolf.tasks import grid_to_onehot

    rng = np.random.default_rng(seed)
    sizes = [rng.integers(1, 31, size=2) for _ in range(count)]
    return [grid_to_onehot(rng.integers(0, 10, size=size).tolist()) for size in sizes]


class Runner:
    """Optimises and checks one wrapped network per seed, caching what each core costs."""

    def __init__(self, data: str | None, public: list[int]) -> None:
        self.data, self.public = data, public
        self.grids = _random_grids(6, 0)
        self.cache: dict[str, tuple[int, int, list]] = {}

    def _core_facts(self, wrapped, task) -> tuple[int, int, list]:
        """(core cost, compiled core cost, the core's answers on the check inputs)."""
        from trmgolf.compiler.optimize import compile_imported
        from trmgolf.scoring.answers import run_examples
        from trmgolf.scoring.official import measure

        if wrapped.core_name not in self.cache:
            inputs = self._inputs(task)
            cost = measure(wrapped.core, inputs[:1])[1].total()
            try:
                compiled = measure(compile_imported(wrapped.core).data, inputs[:1])[1].total()
            except Exception:  # noqa: BLE001 - a core the compiler cannot take: only its own cost counts
                compiled = cost
            self.cache[wrapped.core_name] = (cost, compiled, run_examples(wrapped.core, inputs))
        return self.cache[wrapped.core_name]

    def _inputs(self, task) -> list[np.ndarray]:
        from trmgolf.tasks import grid_to_onehot

        return self.grids if task is None else [grid_to_onehot(ex.input) for _, ex in task.examples()]

    def run(self, seed: int) -> Outcome:
        import wasteful_fuzz as wf

        from trmgolf.compiler.optimize import optimize_model
        from trmgolf.errors import UserError
        from trmgolf.scoring.answers import run_examples
        from trmgolf.tasks import load_task, same_answer

        wrapped = wf.build(wf.SeededChooser(seed), self.public)
        task = load_task(wrapped.task, self.data) if wrapped.task is not None else None
        core_cost, compiled_cost, want = self._core_facts(wrapped, task)
        inputs = self._inputs(task)
        try:
            result = optimize_model(wrapped.model, f"seed{seed}", task=task, inputs=inputs[:1])
        except UserError as e:
            return Outcome(seed, wrapped.core_name, wrapped.shape, core_cost, compiled_cost, 0, None, True,
                           str(e))
        got = run_examples(result.data, inputs)
        exact = all(same_answer(a, b) for a, b in zip(got, want, strict=True))
        return Outcome(seed, wrapped.core_name, wrapped.shape, core_cost, compiled_cost, result.before.total,
                       result.after.total, exact)


def summary(outcomes: list[Outcome]) -> dict:
    n = len(outcomes)
    families = Counter(o.core.split(":")[0] for o in outcomes)
    by_family = {f: {"seeds": c,
                     "reached": sum(o.reached for o in outcomes if o.core.split(":")[0] == f),
                     "compiled": sum(o.compiled for o in outcomes if o.core.split(":")[0] == f)}
                 for f, c in sorted(families.items())}
    misses = [o for o in outcomes if not o.reached]
    kinds = Counter(k for o in misses for k in o.shape.split(": ", 1)[1].split(" > "))
    return {
        "seeds": n,
        "reached": sum(o.reached for o in outcomes),
        "reached_share": sum(o.reached for o in outcomes) / max(n, 1),
        "compiled": sum(o.compiled for o in outcomes),
        "compiled_share": sum(o.compiled for o in outcomes) / max(n, 1),
        "errors": sum(o.error is not None for o in outcomes),
        "inexact": [o.seed for o in outcomes if not o.exact],
        "worse": [o.seed for o in outcomes if o.worse],
        "by_core": by_family,
        "missed_wrapper_kinds": dict(kinds.most_common()),
        "misses": [asdict(o) for o in misses],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--seeds", type=int, default=200, help="how many seeds (default 200)")
    parser.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--data", help="folder of taskNNN.json (default: TRMGOLF_DATA or ../shared)")
    parser.add_argument("--public", type=int, default=None,
                        help="wrap only the first N importable public networks (default: all; 0: none)")
    parser.add_argument("--json", help="write the summary (every miss included) to this file")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(TESTS))
    import wasteful_fuzz as wf
    from rich.console import Console

    from trmgolf.fsutil import write_atomic
    from trmgolf.progress import make_progress
    from trmgolf.tasks import data_dir

    console = Console(highlight=False, width=140)
    folder = data_dir(args.data)
    data = str(folder) if folder is not None else None
    wanted = args.public != 0 and data is not None and wf.PUBLIC.is_dir()
    public = wf.public_numbers(limit=args.public) if wanted else []
    runner = Runner(data, public)
    outcomes = []
    with make_progress("{task.fields[line]}", enabled=console.is_terminal) as progress:
        bar = progress.add_task("fuzz", total=args.seeds, line="")
        for seed in range(args.start, args.start + args.seeds):
            outcomes.append(runner.run(seed))
            reached = sum(o.reached for o in outcomes)
            progress.update(bar, advance=1, line=f"reached {reached}/{len(outcomes)}")
            if not console.is_terminal and len(outcomes) % 100 == 0:
                console.print(f"{len(outcomes)}/{args.seeds} seeds, reached {reached}")
    s = summary(outcomes)
    console.print(f"{s['seeds']} seeds ({len(public)} public cores): reached the core's cost "
                  f"{s['reached']} ({100 * s['reached_share']:.1f}%), the compiled core's "
                  f"{s['compiled']} ({100 * s['compiled_share']:.1f}%), errors {s['errors']}")
    for family, row in s["by_core"].items():
        console.print(f"  {family:12s} {row['reached']:5d}/{row['seeds']:<5d} reached, "
                      f"{row['compiled']:5d} compiled")
    if s["missed_wrapper_kinds"]:
        console.print("wrapper kinds among the misses: " + ", ".join(
            f"{k} {c}" for k, c in s["missed_wrapper_kinds"].items()))
    for miss in s["misses"][:20]:
        console.print(f"  seed {miss['seed']}: {miss['shape']}: core {miss['core_cost']:,}, compiled "
                      f"{miss['compiled_cost']:,}, got {miss['after'] if miss['after'] is not None else '-'}"
                      + (f" ({miss['error']})" if miss["error"] else ""))
    if args.json:
        write_atomic(Path(args.json), json.dumps(s, indent=1, sort_keys=True).encode())
    bad = s["inexact"] + s["worse"]
    if bad:
        console.print(f"FAIL: inexact {s['inexact']}, more expensive than the input {s['worse']}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
