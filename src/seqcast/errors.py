"""seqcast's own error type: the CLI turns it into one clear line and a non-zero exit."""


class SeqcastError(ValueError):
    """A problem with the user's input or configuration, stated so the user can fix it."""


class NotFittedError(SeqcastError, AttributeError):
    """A forecaster was asked to predict before `fit` was called."""
