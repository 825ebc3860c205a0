"""The one table of ONNX op types that map one-to-one onto IR ops.

The importer reads it from ONNX to IR and the kernels from IR to ONNX, so an op is
added in one place and both directions agree. Ops whose ONNX form needs more than a
rename (attributes read from constant inputs, several lowerings) have handlers in
the importer and lowerings of their own; only their names are listed here.
"""

from __future__ import annotations

from typing import NamedTuple


class OnnxOp(NamedTuple):
    """An ONNX op type and the first opset whose semantics the IR op models."""

    op_type: str
    since: int


#: IR op -> its ONNX op, for ops that are one node with no attributes in both (elementwise).
#: Registration order of the lowerings follows this order.
ELEMENTWISE: dict[str, OnnxOp] = {
    "add": OnnxOp("Add", 7), "sub": OnnxOp("Sub", 7), "mul": OnnxOp("Mul", 7),
    "div": OnnxOp("Div", 7), "pow": OnnxOp("Pow", 7), "min": OnnxOp("Min", 8),
    "max": OnnxOp("Max", 8), "equal": OnnxOp("Equal", 11), "less": OnnxOp("Less", 9),
    "greater": OnnxOp("Greater", 9), "and": OnnxOp("And", 7), "or": OnnxOp("Or", 7),
    "xor": OnnxOp("Xor", 7), "not": OnnxOp("Not", 1), "identity": OnnxOp("Identity", 1),
    "neg": OnnxOp("Neg", 6), "abs": OnnxOp("Abs", 6), "relu": OnnxOp("Relu", 6),
    "sigmoid": OnnxOp("Sigmoid", 6), "exp": OnnxOp("Exp", 6), "log": OnnxOp("Log", 6),
    "sqrt": OnnxOp("Sqrt", 6), "reciprocal": OnnxOp("Reciprocal", 6), "tanh": OnnxOp("Tanh", 6),
    "where": OnnxOp("Where", 9),
    # modelled for imported networks
    "greater_or_equal": OnnxOp("GreaterOrEqual", 12), "less_or_equal": OnnxOp("LessOrEqual", 12),
    "sign": OnnxOp("Sign", 9), "floor": OnnxOp("Floor", 6), "ceil": OnnxOp("Ceil", 6),
    "round": OnnxOp("Round", 11),
}

#: IR reduction -> its ONNX op; ``since`` is the first opset where the axes are an input.
REDUCTIONS: dict[str, OnnxOp] = {
    "reduce_sum": OnnxOp("ReduceSum", 13),
    "reduce_mean": OnnxOp("ReduceMean", 18),
    "reduce_max": OnnxOp("ReduceMax", 18),
    "reduce_min": OnnxOp("ReduceMin", 18),
    "reduce_prod": OnnxOp("ReduceProd", 18),
    "reduce_l1": OnnxOp("ReduceL1", 18),
    "reduce_l2": OnnxOp("ReduceL2", 18),
    "reduce_sum_square": OnnxOp("ReduceSumSquare", 18),
    "reduce_log_sum": OnnxOp("ReduceLogSum", 18),
    "reduce_log_sum_exp": OnnxOp("ReduceLogSumExp", 18),
}

#: ONNX op type -> IR op, the inverse of the two tables above.
IR_OP_OF: dict[str, str] = {o.op_type: ir for table in (ELEMENTWISE, REDUCTIONS)
                            for ir, o in table.items()}
