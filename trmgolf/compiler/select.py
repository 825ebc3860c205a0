"""Kernel selection: emit every applicable lowering of a node into a scratch context
and keep the one that costs least; the "MAC-aware op selection" of trmgolf.

A lowering's cost is what it adds beyond the node's own output, which every
alternative produces alike: the bytes of its temporaries and the elements of the
initializers it adds (official model); plus its MACs under the legacy model.
``LoweringSession`` holds what every choice of one model shares: the opset, the
model's initializers and names, the forced lowerings and the cost model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import onnx

from trmgolf.errors import UserError
from trmgolf.ir.graph import Node, Value
from trmgolf.kernels import alternatives
from trmgolf.kernels.base import Lowering
from trmgolf.kernels.context import EmitContext, Initializers
from trmgolf.scoring.cost_model import OFFICIAL, CostModel, get_cost_model


def legacy_macs(ctx: EmitContext, node: Node, in_names: list[str], out_names: list[str]) -> int:
    """MACs of the nodes a lowering emitted, from the legacy table in ``cost``."""
    from trmgolf.scoring.legacy_macs import node_macs

    shapes = {name: v.type.shape for name, v in zip(in_names, node.inputs, strict=True)}
    shapes.update({name: v.type.shape for name, v in zip(out_names, node.outputs, strict=True)})
    shapes.update({name: t.shape for name, t in ctx.temporaries})
    for init in ctx.initializers.tensors:
        shapes[init.name] = tuple(init.dims)
    return sum(node_macs(n, shapes) for n in ctx.nodes)


@dataclass(frozen=True)
class Lowered:
    """One node, lowered: the lowering picked, its cost and the context holding its ONNX nodes."""

    lowering: Lowering
    cost: int
    context: EmitContext

    @property
    def nodes(self) -> list[onnx.NodeProto]:
        return self.context.nodes


class LoweringSession:
    """Lowers the nodes of one model: picks each node's lowering by cost and emits it.

    ``initializers`` and ``names`` are the model's (shared by content and name space across
    all its nodes); ``forced`` maps an op to the lowering it must use; ``cost_model`` says
    whether MACs count.
    """

    def __init__(self, opset: int, initializers: Initializers | None = None, names: set[str] | None = None,
                 forced: Mapping[str, str] | None = None, cost_model: str | CostModel = OFFICIAL) -> None:
        self.opset = opset
        self.initializers = initializers if initializers is not None else Initializers()
        self.names = names if names is not None else set()
        self.forced = dict(forced or {})
        self.cost_model = get_cost_model(cost_model)

    def candidates(self, node: Node) -> list[Lowering]:
        """The lowerings of ``node`` available at the opset (just the forced one, if forced)."""
        alts = [a for a in alternatives(node.op) if a.available(node, self.opset)]
        want = self.forced.get(node.op)
        if want is not None:
            picked = [a for a in alts if a.name == want]
            if not picked:
                names = ", ".join(a.name for a in alternatives(node.op)) or "none"
                raise UserError(f"kernel {node.op}={want} is not available at opset {self.opset} "
                                f"(lowerings of {node.op}: {names})")
            alts = picked
        if not alts:
            raise UserError(f"no lowering of op {node.op!r} is available at opset {self.opset}")
        return alts

    def cost(self, ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> int:
        """What the nodes emitted into ``ctx`` add: their temporaries' bytes, the elements of the
        initializers they newly read and, under the legacy model, their MACs."""
        memory = sum(t.nbytes for _, t in ctx.temporaries)
        macs = legacy_macs(ctx, node, ins, outs) if self.cost_model.counts_macs else None
        return self.cost_model.total(memory, ctx.new_params, macs)

    def costs(self, node: Node, ins: list[str], outs: list[str]) -> dict[str, int]:
        """Each candidate lowering's cost, by name, in registration order."""
        return {alt.name: cost for alt, cost, _ in self._costed(node, ins, outs)}

    def choose(self, node: Node, ins: list[str], outs: list[str]) -> tuple[Lowering, int]:
        """The cheapest lowering of ``node`` and its cost (ties go to the earliest registered).
        Cheapest counts an initializer that a later node reads anyway as free."""
        alt, cost, _ = min(self._costed(node, ins, outs), key=lambda costed: costed[2])
        return alt, cost

    def emit(self, node: Node, ins: list[str], outs: list[str], region: str | None = None) -> Lowered:
        """Emit ``node`` with its cheapest (or forced) lowering into the model; the initializers
        its nodes read count as referenced from now on."""
        alt, cost = self.choose(node, ins, outs)
        ctx = EmitContext(self.opset, self.initializers, self.names, prefix=f"{outs[0]}/", region=region)
        alt.emit(ctx, node, ins, outs)
        self.initializers.referenced.update(n for onnx_node in ctx.nodes for n in onnx_node.input)
        return Lowered(alt, cost, ctx)

    def plan(self, nodes: Sequence[Node]) -> dict[str, str]:
        """Per op type, one lowering for all its nodes where that costs less in total than
        choosing node by node.

        ``choose`` is greedy: the first node pays for every table a lowering adds (a RoPE table,
        an RNN's recurrence matrix) while later nodes get them free, so a lowering whose tables
        pay off only over many nodes loses on the first node and is then never tried again. The
        plan costs each op's nodes as a whole: greedily, and with each lowering available to all
        of them; a uniform lowering that beats the greedy total is returned, to be forced.
        """
        by_op: dict[str, list[Node]] = {}
        for node in nodes:
            if node.op != "constant" and node.op not in self.forced:
                by_op.setdefault(node.op, []).append(node)
        out: dict[str, str] = {}
        for op, group in by_op.items():
            alts = [a for a in alternatives(op) if all(a.available(n, self.opset) for n in group)]
            if len(alts) < 2 or len(group) < 2:
                continue
            memo: dict = {}
            greedy = self._total(group, None, memo)
            totals = {a.name: self._total(group, a.name, memo) for a in alts}
            best = min(totals, key=lambda name: totals[name])  # dict order: ties keep registration
            if totals[best] < greedy:
                out[op] = best
        return out

    def adopt_plan(self, nodes: Sequence[Node]) -> None:
        """Force what ``plan`` finds for ``nodes``; lowerings forced already stay."""
        self.forced = {**self.plan(nodes), **self.forced}

    def _costed(self, node: Node, ins: list[str], outs: list[str]) -> list[tuple[Lowering, int, int]]:
        """Each candidate, its cost, and its cost less the committed params it reads."""
        out = []
        for alt in self.candidates(node):
            scratch = EmitContext(self.opset, _copy(self.initializers), set(), prefix="scratch/")
            alt.emit(scratch, node, ins, outs)
            cost = self.cost(scratch, node, ins, outs)
            out.append((alt, cost, cost - scratch.committed_params))
        return out

    def _total(self, group: Sequence[Node], lowering: str | None, memo: dict) -> int:
        """What emitting ``group`` into an empty model costs, every node with ``lowering``
        (greedy when None)."""
        inits = Initializers(memo=memo)
        session = LoweringSession(self.opset, inits, set(), {group[0].op: lowering} if lowering else None,
                                  self.cost_model)
        names: dict[int, str] = {}

        def name(v: Value) -> str:
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
            total += session.emit(node, ins, outs).cost
        return total


def _copy(inits: Initializers) -> Initializers:
    """A view of the model's initializers that a scratch emission may add to freely."""
    return Initializers(dict(inits.by_key), [], set(inits.used_names), dict(inits.sizes),
                        set(inits.referenced), inits.memo, inits.committed)


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
