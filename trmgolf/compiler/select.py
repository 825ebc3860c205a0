"""Kernel selection: emit every applicable lowering of a node into a scratch context
and keep the one that costs least; the "MAC-aware op selection" of trmgolf.

A lowering's cost is what it adds beyond the node's own output, which every
alternative produces alike: the bytes of its temporaries and the elements of the
initializers it adds (official model); plus its MACs under the legacy model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from trmgolf.errors import UserError
from trmgolf.ir.graph import Node
from trmgolf.kernels import alternatives
from trmgolf.kernels.base import Lowering
from trmgolf.kernels.context import EmitContext, Initializers

#: Extra cost of a scratch emission beyond memory and params (the legacy model's MACs);
#: called with the scratch context, the IR node and its input and output names.
ExtraCost = Callable[[EmitContext, Node, list[str], list[str]], int]


def legacy_macs(ctx: EmitContext, node: Node, in_names: list[str], out_names: list[str]) -> int:
    """MACs of the nodes a lowering emitted, from the legacy table in ``cost``."""
    from trmgolf.scoring.cost import node_macs

    shapes = {name: v.type.shape for name, v in zip(in_names, node.inputs, strict=True)}
    shapes.update({name: v.type.shape for name, v in zip(out_names, node.outputs, strict=True)})
    shapes.update({name: t.shape for name, t in ctx.temporaries})
    for init in ctx.initializers.tensors:
        shapes[init.name] = tuple(init.dims)
    return sum(node_macs(n, shapes) for n in ctx.nodes)


def extra_cost_for(cost_model: str) -> ExtraCost | None:
    return legacy_macs if cost_model == "legacy" else None


def scratch_cost(ctx: EmitContext, extra: ExtraCost | None, node: Node, in_names: list[str],
                 out_names: list[str]) -> int:
    memory = sum(t.nbytes for _, t in ctx.temporaries)
    return memory + ctx.new_params + (extra(ctx, node, in_names, out_names) if extra else 0)


def choose(node: Node, opset: int, initializers: Initializers, in_names: list[str],
           out_names: list[str], forced: Mapping[str, str] | None = None,
           extra: ExtraCost | None = None) -> tuple[Lowering, int]:
    """The cheapest lowering of ``node`` for ``opset`` (ties go to the earliest registered)."""
    alts = [a for a in alternatives(node.op) if a.available(node, opset)]
    want = (forced or {}).get(node.op)
    if want is not None:
        picked = [a for a in alts if a.name == want]
        if not picked:
            names = ", ".join(a.name for a in alternatives(node.op)) or "none"
            raise UserError(f"kernel {node.op}={want} is not available at opset {opset} "
                            f"(lowerings of {node.op}: {names})")
        alts = picked
    if not alts:
        raise UserError(f"no lowering of op {node.op!r} is available at opset {opset}")
    best: tuple[Lowering, int] | None = None
    for alt in alts:
        scratch = EmitContext(opset, _copy(initializers), set(), prefix="scratch/")
        alt.emit(scratch, node, in_names, out_names)
        cost = scratch_cost(scratch, extra, node, in_names, out_names)
        if best is None or cost < best[1]:
            best = (alt, cost)
    assert best is not None
    return best


def plan(nodes: Sequence[Node], opset: int, forced: Mapping[str, str] | None = None,
         extra: ExtraCost | None = None) -> dict[str, str]:
    """Per op type, one lowering for all its nodes where that costs less in total than
    choosing node by node.

    ``choose`` is greedy: the first node pays for every table a lowering adds (a RoPE table,
    an RNN's recurrence matrix) while later nodes get them free, so a lowering whose tables
    pay off only over many nodes loses on the first node and is then never tried again. The
    plan costs each op's nodes as a whole: greedily, and with each lowering available to all
    of them; a uniform lowering that beats the greedy total is returned, to be forced.
    """
    forced = forced or {}
    by_op: dict[str, list[Node]] = {}
    for node in nodes:
        if node.op != "constant" and node.op not in forced:
            by_op.setdefault(node.op, []).append(node)
    out: dict[str, str] = {}
    for op, group in by_op.items():
        alts = [a for a in alternatives(op) if all(a.available(n, opset) for n in group)]
        if len(alts) < 2 or len(group) < 2:
            continue
        memo: dict = {}
        greedy = _total(group, opset, None, extra, memo)
        totals = {a.name: _total(group, opset, a.name, extra, memo) for a in alts}
        best = min(totals, key=lambda name: totals[name])  # dict order: ties keep registration
        if totals[best] < greedy:
            out[op] = best
    return out


def _total(group: Sequence[Node], opset: int, lowering: str | None, extra: ExtraCost | None,
           memo: dict) -> int:
    """What emitting ``group`` costs, every node with ``lowering`` (greedy when None)."""
    inits = Initializers(memo=memo)
    names: dict[int, str] = {}

    def name(v) -> str:
        if v.is_constant:
            key = ("value", id(v))
            if key not in inits.memo:  # hash each constant input once per plan
                inits.memo[key] = (v.constant, inits.key(v.constant))
            return inits.add(v.constant, "c", inits.memo[key][1])
        return names.setdefault(id(v), f"v{len(names)}")

    total = 0
    for node in group:
        ins = [name(v) for v in node.inputs]
        outs = [name(v) for v in node.outputs]
        _, cost, _ = emit_node(node, opset, inits, set(), ins, outs,
                               {node.op: lowering} if lowering else None, extra)
        total += cost
    return total


def emit_node(node: Node, opset: int, inits: Initializers, names: set[str], ins: list[str],
              outs: list[str], forced: Mapping[str, str] | None = None,
              extra: ExtraCost | None = None, region: str | None = None
              ) -> tuple[Lowering, int, EmitContext]:
    """Emit ``node`` with its cheapest (or forced) lowering into ``inits``; the initializers
    its nodes read count as referenced from now on. Returns the lowering, its cost and the
    context holding the ONNX nodes."""
    alt, cost = choose(node, opset, inits, ins, outs, forced, extra)
    ctx = EmitContext(opset, inits, names, prefix=f"{outs[0]}/", region=region)
    alt.emit(ctx, node, ins, outs)
    inits.referenced.update(n for onnx_node in ctx.nodes for n in onnx_node.input)
    return alt, cost, ctx


def _copy(inits: Initializers) -> Initializers:
    """A view of the model's initializers that a scratch emission may add to freely."""
    return Initializers(dict(inits.by_key), [], set(inits.used_names), dict(inits.sizes),
                        set(inits.referenced), inits.memo)


def parse_kernels(specs: tuple[str, ...]) -> dict[str, str]:
    """``("attention=decomposed", ...)`` -> ``{"attention": "decomposed"}``."""
    out = {}
    for spec in specs:
        op, sep, choice = spec.partition("=")
        if not sep or not op or not choice:
            raise UserError(f"--kernel wants OP=CHOICE, got {spec!r}")
        out[op.strip()] = choice.strip()
    return out


def check_forced(nodes: Sequence[Node], forced: Mapping[str, str], opset: int) -> list[str]:
    """Check ``--kernel OP=CHOICE`` against the lowering table and the graph to be emitted.

    An unknown op or choice is a UserError naming the valid ones; a choice that cannot
    lower some node says why (the opset, or what the lowering needs of a node); an op that
    the graph does not contain is only a warning, returned for the command to print.
    """
    from trmgolf.kernels.base import LOWERINGS

    warnings = []
    for op, choice in forced.items():
        alts = alternatives(op)
        if not alts:
            raise UserError(f"--kernel {op}={choice}: unknown op {op!r} (ops with a choice of "
                            f"lowering: {', '.join(sorted(LOWERINGS))})")
        picked = [a for a in alts if a.name == choice]
        if not picked:
            raise UserError(f"--kernel {op}={choice}: unknown choice {choice!r} (lowerings of "
                            f"{op}: {', '.join(a.name for a in alts)})")
        targets = [n for n in nodes if n.op == op]
        if not targets:
            warnings.append(f"--kernel {op}={choice}: this network has no {op} node; ignored")
        for node in targets:
            why = picked[0].why_not(node, opset)
            if why is not None:
                where = f" in {node.region}" if node.region else ""
                raise UserError(f"--kernel {op}={choice} cannot lower the {op} node{where}: {why}")
    return warnings
