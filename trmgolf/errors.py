"""One exception type for everything a user did wrong, so the CLI can print one line."""


class UserError(Exception):
    """Bad input from the user: a missing file, an unknown task, an invalid model.

    The CLI prints ``error: <message>`` and exits non-zero; no traceback.
    """


class Interrupted(UserError):
    """Ctrl-C, turned into one line saying what was kept. The CLI ignores further Ctrl-C while
    it prints this and exits, so a second one cannot cut the exit short."""
