"""Attribute declarations: every op declares its attributes, the verifier and the builder
check nodes against them, and the declared defaults are the reference's defaults."""

from __future__ import annotations

import inspect

import pytest

from trmgolf.ir import OPS, Builder, IRTypeError, IRVerifyError, register, verify
from trmgolf.ir.ops.infer import same_as_first
from trmgolf.ir.registry import REQUIRED, Attr


def _graph():
    b = Builder()
    t = b.op("transpose", b.input, perm=(0, 1, 3, 2))
    return b.finish(b.op("pad", b.op("slice", t, starts=(0,), ends=(29,), axes=(3,)),
                         pads=(0, 0, 0, 0, 0, 0, 0, 1)))


def test_a_missing_attribute_names_the_op_and_attribute():
    g = _graph()
    g.nodes[0].attrs = {}
    with pytest.raises(IRVerifyError, match=r"node 0 \(transpose\): transpose: missing attribute 'perm'"):
        verify(g)


@pytest.mark.parametrize(("index", "attrs", "message"), [
    (0, {"perm": (0, 1, 3.0, 2)}, r"transpose: attribute 'perm' should be ints"),
    (0, {"perm": "0132"}, r"transpose: attribute 'perm' should be ints, got str"),
    (2, {"pads": (0,) * 7 + (1,), "value": "zero"}, r"pad: attribute 'value' should be float"),
    (1, {"starts": (0,), "ends": (29,), "axes": (3,), "step": (1,)}, r"slice: unknown attribute 'step'"),
])
def test_a_mistyped_or_unknown_attribute_names_the_op_and_attribute(index, attrs, message):
    g = _graph()
    g.nodes[index].attrs = attrs
    with pytest.raises(IRVerifyError, match=message):
        verify(g)


def test_the_builder_checks_attributes_where_the_node_is_made():
    b = Builder()
    with pytest.raises(IRTypeError, match="softmax: attribute 'axis' should be int, got float"):
        b.op("softmax", b.input, axis=1.0)
    with pytest.raises(IRTypeError, match="gather: unknown attribute 'axes'"):
        b.op("gather", b.input, b.const(0), axes=(1,))
    b.op("cast", b.input, to="float16")  # lists and numpy scalars are frozen before the check
    b.op("transpose", b.input, perm=[0, 1, 3, 2])


def test_registering_an_op_without_declarations_fails():
    with pytest.raises(ValueError, match="declare its attributes"):
        register("undeclared_op", infer=same_as_first)(lambda x: x)
    assert "undeclared_op" not in OPS


@pytest.mark.parametrize("name", sorted(OPS))
def test_declarations_match_the_reference_signature(name):
    """A declared default is the compute function's keyword default; REQUIRED has none."""
    opdef = OPS[name]
    assert isinstance(opdef.attrs, dict)
    params = {p.name: p for p in inspect.signature(opdef.compute).parameters.values()
              if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert set(params) == set(opdef.attrs), name
    for attr_name, decl in opdef.attrs.items():
        assert isinstance(decl, Attr)
        default = params[attr_name].default
        if decl.default is REQUIRED:
            assert default is inspect.Parameter.empty, f"{name}.{attr_name}"
        else:
            assert default == decl.default, f"{name}.{attr_name}"
