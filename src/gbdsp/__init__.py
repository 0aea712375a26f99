"""gbdsp: an open implementation of the GB smart metering DCC Data Service."""

__version__ = "0.1.0"
