"""Load and validate routine files: safe YAML, line-numbered errors, the bundled templates."""

from __future__ import annotations

from .load import list_templates, load_routine, parse_routine, resolve, templates_dir

__all__ = ["list_templates", "load_routine", "parse_routine", "resolve", "templates_dir"]
