"""One exception type for everything a user did wrong, so the CLI can print one line."""


class UserError(Exception):
    """Bad input from the user: a missing file, an unknown task, an invalid model.

    The CLI prints ``error: <message>`` and exits non-zero; no traceback.
    """


class Interrupted(UserError):
    """Ctrl-C, turned into one line saying what was kept. The CLI ignores further Ctrl-C while
    it prints this and exits, so a second one cannot cut the exit short."""


#: Why a file is not an ONNX model: the one phrasing every command uses.
NOT_ONNX = "not a valid ONNX protobuf file"
CHECKPOINT_SUFFIXES = (".pt", ".pth", ".ckpt")


def looks_like_checkpoint(path: object) -> bool:
    """A PyTorch checkpoint by its name, or by the zip header torch.save writes."""
    name = str(path)
    if name.lower().endswith(CHECKPOINT_SUFFIXES):
        return True
    try:
        with open(name, "rb") as f:
            return f.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def not_an_onnx_model(path: object) -> UserError:
    """The error for a network file that does not parse; a checkpoint is named as one, with
    the command that makes its network."""
    if looks_like_checkpoint(path):
        return UserError(f"{path}: a TRM checkpoint, not an ONNX network: make its network with "
                         f"`trmgolf compile {path} --task N -o OUT.onnx`")
    return UserError(f"{path}: not a readable ONNX model ({NOT_ONNX})")


def not_a_checkpoint(path: object, why: str) -> UserError:
    """The error for a checkpoint that does not load; an ONNX network is named as one, with
    the commands that take it."""
    if str(path).lower().endswith(".onnx"):
        return UserError(f"{path}: not a TRM checkpoint (an .onnx file is a network: score it with "
                         f"`trmgolf cost {path}`, shrink it with `trmgolf optimize {path} -o OUT.onnx`)")
    return UserError(f"{path}: not a readable trmgolf checkpoint ({why})")
