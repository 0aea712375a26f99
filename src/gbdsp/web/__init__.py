"""The ASGI app: health and metrics now; DUIS endpoints and the SSI portal later."""
