"""DUIS XML and SMKI material: the only package that touches XML and certificates."""
