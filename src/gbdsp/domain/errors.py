"""Errors a user can cause: caught at the edges and shown as one line, never a traceback."""

from gbdsp.domain.response_codes import ResponseCode


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


class NotEncoded(GbdspError):
    """A device use case, or these values of it, that gbdsp's test world does not encode
    in GBCS yet (or cannot: no KA certificate of the User to MAC for). The request is
    answered E11 with the message as the reason, and nothing of it is kept (docs/gbcs.md,
    "Not encoded"): a stand-in would be bytes that are not GBCS."""


NOT_ENCODED = ResponseCode.E11
"""The answer to `NotEncoded`: the device of that type, as gbdsp emulates it, cannot carry
the request (E11 "not compatible with the type of the specified Device"). docs/gbcs.md."""
