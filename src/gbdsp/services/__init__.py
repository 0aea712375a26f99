"""Application services: one per use case, each owning its transaction.

Every service is a plain function taking its collaborators (store, clock, config)
explicitly, so the CLI, the web app, the tests and the simulator drive the same code.
"""
