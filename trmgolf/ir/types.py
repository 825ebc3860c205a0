"""Tensor types of the IR: a dtype name and a fully static shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: IR dtype name -> numpy dtype. bfloat16 is left out on purpose: onnxruntime has no
#: float32 fallback for it (NEUROGOLF.md section 1).
#: The wide and unsigned integers and float64 are there so that any network imports (public
#: NeuroGolf networks keep uint32/uint64 bit masks and float64 scalars); trmgolf's own front
#: ends only use the first seven.
NUMPY_DTYPES: dict[str, np.dtype] = {
    "float32": np.dtype(np.float32),
    "float16": np.dtype(np.float16),
    "int64": np.dtype(np.int64),
    "int32": np.dtype(np.int32),
    "int8": np.dtype(np.int8),
    "uint8": np.dtype(np.uint8),
    "bool": np.dtype(np.bool_),
    "float64": np.dtype(np.float64),
    "int16": np.dtype(np.int16),
    "uint16": np.dtype(np.uint16),
    "uint32": np.dtype(np.uint32),
    "uint64": np.dtype(np.uint64),
}
SHORT_NAMES = {
    "float32": "f32",
    "float16": "f16",
    "int64": "i64",
    "int32": "i32",
    "int8": "i8",
    "uint8": "u8",
    "bool": "bool",
    "float64": "f64",
    "int16": "i16",
    "uint16": "u16",
    "uint32": "u32",
    "uint64": "u64",
}
FLOAT_DTYPES = ("float32", "float16", "float64")
#: Dtypes the grader accepts for ``output``: it only evaluates ``output > 0.0`` in numpy,
#: so every dtype of the IR qualifies (NEUROGOLF.md section 1).
GRID_OUTPUT_DTYPES = tuple(NUMPY_DTYPES)


def dtype_of(array: np.ndarray) -> str:
    """The IR dtype name of a numpy array (raises for dtypes the IR does not carry)."""
    for name, dt in NUMPY_DTYPES.items():
        if array.dtype == dt:
            return name
    raise TypeError(f"dtype {array.dtype} is not an IR dtype")


@dataclass(frozen=True)
class TensorType:
    """A static tensor type; every dimension is a known positive integer."""

    dtype: str
    shape: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.dtype not in NUMPY_DTYPES:
            raise TypeError(f"unknown dtype {self.dtype!r}")
        shape = tuple(int(d) for d in self.shape)
        if any(d <= 0 for d in shape):
            raise TypeError(f"shape {shape} has a dimension <= 0")
        object.__setattr__(self, "shape", shape)

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def numel(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def itemsize(self) -> int:
        return NUMPY_DTYPES[self.dtype].itemsize

    @property
    def nbytes(self) -> int:
        return self.numel * self.itemsize

    @property
    def np_dtype(self) -> np.dtype:
        return NUMPY_DTYPES[self.dtype]

    def with_shape(self, shape: tuple[int, ...]) -> TensorType:
        return TensorType(self.dtype, shape)

    def with_dtype(self, dtype: str) -> TensorType:
        return TensorType(dtype, self.shape)

    def __str__(self) -> str:
        return f"{SHORT_NAMES[self.dtype]}[{','.join(map(str, self.shape))}]"

    @staticmethod
    def of(array: np.ndarray) -> TensorType:
        return TensorType(dtype_of(array), tuple(array.shape))


#: The type of the NeuroGolf graph input, and of the output trmgolf writes itself.
GRID_TYPE = TensorType("float32", (1, 10, 30, 30))


def is_grid_output(t: TensorType) -> bool:
    """Whether the grader scores an ``output`` of this type: the grid shape, any dtype."""
    return t.shape == GRID_TYPE.shape and t.dtype in GRID_OUTPUT_DTYPES
