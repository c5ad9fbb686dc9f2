"""Walk every ``lawbot`` command with bad arguments and hostile files; report any traceback.

Used in-process by ``tests/test_cli_walk.py`` and as a script (``python -m tests.helpers.cli_walk
HOME FILES_DIR``, printing one JSON line per invocation) in a process that cannot write the data
directory, so a read-only home is walked for real. Commands are enumerated from the click tree, so
a new command is walked without editing this file.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from click.testing import CliRunner

JUNK = "不存在的东西"


def commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


def groups(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from groups(command, (*path, name))


def hostile_files(folder: Path) -> list[Path]:
    """Files no command can use: binary junk under every extension the CLI reads, an empty file,
    a JSONL file of broken lines."""
    folder.mkdir(parents=True, exist_ok=True)
    junk = b"\xff\xfe\x00\x01PK\x03\x04<html><b>\x00" + bytes(range(256)) * 4
    files = []
    for ext in ("md", "html", "docx", "txt", "csv", "xlsx", "jsonl", "toml"):
        path = folder / f"bad.{ext}"
        path.write_bytes(junk)
        files.append(path)
    (folder / "empty.csv").write_bytes(b"")
    (folder / "broken.jsonl").write_text('{"id": 1}\n[1, 2\n{"question": 5}\n', encoding="utf-8")
    return files + [folder / "empty.csv", folder / "broken.jsonl"]


def bad_values(param: click.Parameter, files: Path) -> list[str]:
    kind = param.type
    if isinstance(kind, (click.Path, click.File)):
        return ["/nonexistent/不存在/x.csv", str(files / "bad.xlsx"), str(files / "broken.jsonl"),
                str(files / "empty.csv"), str(files)]
    if isinstance(kind, click.Choice):
        return ["bogus"]
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        return ["abc", "0", "-5", "99999999999999999999"]
    return [JUNK, "", "<b>&amp;</b>\u200b" + "长" * 600]


def invocations(command: click.Command, files: Path) -> Iterator[list[str]]:
    params = [p for p in command.params if not (isinstance(p, click.Option) and p.is_flag)
              and p.name != "help"]
    if getattr(command, "serves", False):
        # A server (``lawbot start``, ``lawbot web run``) that accepts its arguments runs until it is
        # stopped: walk only the values its parser must refuse.
        params = [p for p in params if isinstance(p.type, (click.types.IntParamType, click.types.FloatParamType))
                  or p.callback is not None]

    def args(values: dict[str, str]) -> list[str]:
        out: list[str] = []
        for p in params:
            if p.name not in values:
                continue
            if isinstance(p, click.Argument):
                out.append(values[p.name])
            else:
                out += [p.opts[0], values[p.name]]
        return out

    required = {p.name: JUNK for p in params if p.required}
    yield ["--bogus-option"]
    if required:
        yield []
        yield args(required)
    for p in params:
        for value in bad_values(p, files):
            yield args({**required, p.name: value})


def walk(home: Path, files: Path, embedder: str = "hash") -> Iterator[dict]:
    """One record per invocation: the command line, exit code, and whether it ended in a traceback."""
    from bot.cli import cli

    hostile_files(files)
    runner = CliRunner()
    cases = [(path, ["不存在的命令"]) for path in groups(cli)]
    cases += [(path, extra) for path, command in commands(cli) for extra in invocations(command, files)]
    for path, extra in cases:
        argv = ["--home", str(home), "--embedder", embedder, *path, *extra]
        result = runner.invoke(cli, argv, input="", env={"TELEGRAM_BOT_TOKEN": ""})
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        output = result.output  # stdout and stderr as a terminal shows them
        yield {"argv": [*path, *extra], "exit": result.exit_code, "traceback": crashed or "Traceback" in output,
               "error": repr(result.exception) if crashed else "", "output": output[-300:]}


def main() -> None:
    home, files = Path(sys.argv[1]), Path(sys.argv[2])
    for record in walk(home, files):
        print(json.dumps(record, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
