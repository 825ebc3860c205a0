"""One exception type for everything a user did wrong, so the CLI can print one line."""


class UserError(Exception):
    """Bad input from the user: a missing file, an unknown task, an invalid model.

    The CLI prints ``error: <message>`` and exits non-zero; no traceback.
    """
