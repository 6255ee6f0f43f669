"""Failures of boltz that the suite finds and that are being fixed: empty since issue 14.

An entry names the issue's item, the public name whose calls show it, what happens and a
minimal reproducer. A generated call whose outcome matches an entry is reported as known
instead of failing the suite. Add one only with an open issue for it, and remove it when
the fix lands: an entry that no longer matches anything is reported by
``test_known_failures_still_happen``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownFailure:
    item: str          # the item of issue 14
    label: str         # regex matching the targets (public names) whose calls show it
    kind: str          # the outcome: "crash", "hang", "raised", "memory", "violation"
    pattern: str       # regex searched in "<error>: <message> <detail>" and the call
    reproducer: str

    def matches(self, label: str, source: str, outcome) -> bool:
        text = f"{outcome.error}: {outcome.message} {outcome.detail} || {source}"
        return (re.fullmatch(self.label, label) is not None
                and re.fullmatch(self.kind, outcome.kind) is not None
                and re.search(self.pattern, text, re.S) is not None)


KNOWN_FAILURES: list[KnownFailure] = []

# test_cli_files.py: malformed files given to `boltz anneal` in a real subprocess
# (case id -> item of the issue being fixed)
KNOWN_CLI_FAILURES: dict[str, str] = {}
