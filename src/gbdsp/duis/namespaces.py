"""XML namespaces and algorithm URIs of DUIS 5.4 and its signature profile."""

SR = "http://www.dccinterface.co.uk/ServiceUserGateway"
RA = "http://www.dccinterface.co.uk/ResponseAndAlert"
DS = "http://www.w3.org/2000/09/xmldsig#"
NSMAP = {"sr": SR, "ds": DS}

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


def sr(name: str) -> str:
    """Clark notation of a DUIS element name: sr("Header") -> {ns}Header."""
    return f"{{{SR}}}{name}"


def ds(name: str) -> str:
    return f"{{{DS}}}{name}"
