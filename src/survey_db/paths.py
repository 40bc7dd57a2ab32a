"""Where the shipped migrations and seeds are: inside an installed wheel, or beside src/ in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _resolve(packaged: str, top_level: str) -> Path:
    inside = _PACKAGE / packaged
    if inside.is_dir():
        return inside
    checkout = _PACKAGE.parents[1] / top_level
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"the {top_level}/ folder is missing from this installation")


def migrations_dir() -> Path:
    """The Alembic script folder."""
    return _resolve("_migrations", "migrations")


def seeds_dir() -> Path:
    """The shipped seed files of the role-of-small-models survey."""
    return _resolve("_seeds", "seeds")
