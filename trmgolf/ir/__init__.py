"""The trmgolf IR: static-typed SSA graphs of tensor ops.

- ``types``: ``TensorType`` (dtype + static shape)
- ``graph``: ``Value``, ``Node``, ``Graph``
- ``registry`` + ``ops/``: every op's type rule and numpy reference
- ``builder``: write graphs by hand; ``verify``: the invariants (use-lists included);
  ``interp``: run a graph in numpy; ``printer``: the graph as text; ``parser``: text back
  to a graph (``opaque``: constants known only by their printed hash)
"""

from trmgolf.ir import ops  # noqa: F401  (registers every op)
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.interp import run, run_all
from trmgolf.ir.parser import IRParseError, parse
from trmgolf.ir.printer import print_graph
from trmgolf.ir.registry import OPS, IRTypeError, OpDef, get_op, register
from trmgolf.ir.types import GRID_TYPE, TensorType
from trmgolf.ir.verify import IRVerifyError, verify

__all__ = [
    "Builder", "GRID_TYPE", "Graph", "IRParseError", "IRTypeError", "IRVerifyError", "Node", "OPS",
    "OpDef", "TensorType", "Value", "get_op", "parse", "print_graph", "register", "run", "run_all",
    "verify",
]
