"""GBCS on the wire, in pure Python (no I/O, no clock reads): frames, KDF, MAC, signatures,
sensitive-data encryption, device keys and certificates, and payload encoders.

Facts come from `../shared/reference/gbcs.md` (GBCS section 4 "Security", 7 "Message
structure", 10 "DLMS", 11 "GBZ", 12 "ASN.1", as the SmartDCCInnovation parser and the RTDS
4.5.0 vectors show them). Nothing here is copied from the GPL parser; it only serves to check
our output, as a separate process (tests/gbcs/). See docs/gbcs.md.
"""
