"""The README documents every CLI command and states the two commands CI and newcomers run."""
from __future__ import annotations

import re

import click

from bot.cli import cli
from tests.helpers.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def all_commands(group: click.Group, prefix: str = "lawbot") -> list[str]:
    names = []
    for name, cmd in group.commands.items():
        names.append(f"{prefix} {name}")
        if isinstance(cmd, click.Group):
            names += all_commands(cmd, f"{prefix} {name}")
    return names


def test_every_command_documented():
    missing = [c for c in all_commands(cli) if c not in README]
    assert not missing, f"README does not mention: {missing}"


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = re.search(r"pip install -e '\.\[test\]' && \.venv/bin/python -m pytest", README)
    assert test_cmd, "README must state the test command"
    assert "pip install -q -e '.[test]'" in ci and ".venv/bin/python -m pytest" in ci
