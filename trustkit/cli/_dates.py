"""Parsing ``--at`` moments."""

from __future__ import annotations

from datetime import UTC, datetime

import click

__all__ = ["parse_moment"]


def parse_moment(text: str | None) -> datetime | None:
    """ISO 8601 (``2025-01-31``, ``2025-01-31T12:00:00+08:00``); naive times are UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"'{text}' is not an ISO 8601 time", param_hint="--at") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
