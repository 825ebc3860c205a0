"""The wasteful networks of issue 10 (and their variants in tests/), before and after
``trmgolf optimize``: points, the optimum, the ONNX ops left, and the examples checked.

Each network is exact on its task; optimize must stay exact on every example (ARC-GEN
included: the optimiser never sees them) and reach the known optimum.

    python bench/rewrite_targets.py [--data DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"


def targets():
    """(name, model, task, optimum points) of every fixture network."""
    sys.path.insert(0, str(TESTS))
    import algebra_networks as alg
    import wasteful_networks as w

    yield "task179 transpose: f64 Mul, f16 round trip, Greater+Cast", w.transpose_wrapped()[0], 179, 25.0
    for final in ("greater_bool", "relu", "none"):
        yield f"task179 transpose, tail {final}", w.transpose_wrapped(final=final)[0], 179, 25.0
    yield "task016 reshape + two MatMuls + zero-bias Adds", w.matmul_permutation()[0], 16, w.GATHER_OPTIMUM
    yield "task016 3x3 Conv, centre taps, zero bias, Relu", w.conv_permutation()[0], 16, w.GATHER_OPTIMUM
    for name, (build, task) in alg.NETWORKS.items():
        yield f"task{task:03d} {name}", build(), task, alg.OPTIMUM_POINTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder of taskNNN.json (default: TRMGOLF_DATA or ../shared)")
    args = parser.parse_args()
    from trmgolf.compiler.optimize import optimize_model
    from trmgolf.tasks import load_task

    print(f"{'network':<58} {'before':>7} {'after':>7} {'optimum':>7}  examples  ops after")
    for name, model, task_num, optimum in targets():
        task = load_task(task_num, args.data)
        r = optimize_model(model, name, task=task)
        ops = ",".join(n.op_type for n in r.model.graph.node)
        print(f"{name:<58} {r.before.points:7.2f} {r.after.points:7.2f} {optimum:7.2f}  "
              f"{r.checked:>8}  {ops}")


if __name__ == "__main__":
    main()
