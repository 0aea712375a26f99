"""Errors a user can cause: caught at the edges and shown as one line, never a traceback."""


class GbdspError(Exception):
    """Base of every error that is the caller's to fix (bad input, bad configuration)."""


class InvalidValue(GbdspError, ValueError):
    """A value (ID, enum spelling, date...) that does not parse."""


class NotFound(GbdspError, LookupError):
    """A referenced thing (device, User, CPL entry) is not there."""


class Conflict(GbdspError):
    """The request contradicts what is already recorded."""


class TransitionRefused(GbdspError):
    """An SMI status change that the transition table does not allow."""
