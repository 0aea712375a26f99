"""The database's errors, named here so that code outside `store/` never imports SQLAlchemy."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

DatabaseError = SQLAlchemyError
"""Any failure of the database or its driver (connection lost, constraint, disk full)."""
