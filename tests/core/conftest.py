"""The fuzzing and isolation summaries at the end of the run."""

from __future__ import annotations

import sys

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for module, title in (
        ("tests.core.test_fuzz", "schemathesis"),
        ("tests.core.test_isolation", "tenant isolation"),
    ):
        found = sys.modules.get(module)
        line = found.summary() if found is not None else None
        if line:
            terminalreporter.write_sep("-", title)
            terminalreporter.write_line(line)
