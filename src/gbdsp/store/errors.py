"""The database's errors, named here so that code outside `store/` never imports SQLAlchemy."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError, SQLAlchemyError

DatabaseError = SQLAlchemyError
"""Any failure of the database or its driver (connection lost, constraint, disk full)."""

DatabaseUnavailable = OperationalError
"""The database cannot be reached or used now (server gone, disk full): a 503, not a 500."""
