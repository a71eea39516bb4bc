"""The fuzzing summary at the end of the run."""

from __future__ import annotations

import sys

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    fuzz = sys.modules.get("tests.core.test_fuzz")
    line = fuzz.summary() if fuzz is not None else None
    if line:
        terminalreporter.write_sep("-", "schemathesis")
        terminalreporter.write_line(line)
