"""How commands print: human text on a terminal, or one JSON object with ``--json``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["JSON_SCHEMA_VERSION", "Output"]

JSON_SCHEMA_VERSION = 1


@dataclass
class Output:
    """Per-invocation output settings; commands reach it through the click context."""

    json_mode: bool = False
    verbose: int = 0

    def emit(
        self, payload: Mapping[str, Any], human: Callable[[], None] | str | None = None
    ) -> None:
        """Print the result: ``payload`` as one JSON object, or the ``human`` rendering."""
        if self.json_mode:
            import json  # only with --json: most runs print text

            document = {"schema": JSON_SCHEMA_VERSION, **payload}
            sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
            sys.stdout.flush()
            return
        if human is None:
            for key, value in payload.items():
                sys.stdout.write(f"{key}: {value}\n")
        elif isinstance(human, str):
            sys.stdout.write(human if human.endswith("\n") else human + "\n")
        else:
            human()
        sys.stdout.flush()

    def info(self, message: str) -> None:
        """A progress or advisory line on stderr (never in JSON stdout)."""
        sys.stderr.write(message + "\n")

    def warn(self, message: str) -> None:
        """A warning on stderr."""
        sys.stderr.write(f"keyvault: warning: {message}\n")

    def error_document(self, type_name: str, message: str, hint: str | None) -> str:
        """The JSON error object for ``--json`` mode."""
        import json

        error: dict[str, Any] = {"type": type_name, "message": message}
        if hint:
            error["hint"] = hint
        return json.dumps({"schema": JSON_SCHEMA_VERSION, "error": error}, ensure_ascii=False)
