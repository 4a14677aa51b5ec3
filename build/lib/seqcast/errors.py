"""seqcast's own error and note types: the CLI turns an error into one clear line and a
non-zero exit, and prints every note as a `seqcast: note:` line."""


class SeqcastError(ValueError):
    """A problem with the user's input or configuration, stated so the user can fix it."""


class NotFittedError(SeqcastError, AttributeError):
    """A forecaster was asked to predict before `fit` was called."""


class Note(UserWarning):
    """Something the user should know that is not an error (a repair, a one-time build)."""
