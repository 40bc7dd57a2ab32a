"""What a lint rule reports: a Finding with its severity, and the order of severities.

>>> at_least(Finding("warning", "no-code", "x has no code link").severity, "info")
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

SEVERITIES = ("info", "warning", "error")


@dataclass
class Finding:
    severity: str
    rule: str
    message: str
    key: str | None = None
    file: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def at_least(severity: str, threshold: str) -> bool:
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)
