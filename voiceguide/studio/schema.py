"""What the editor's form is generated from: the format's JSON Schema."""

from __future__ import annotations

from typing import Any

from ..format.schema import json_schema


def routine_schema() -> dict[str, Any]:
    """The routine format's JSON Schema, as ``voiceguide schema`` prints it."""
    return dict(json_schema())

