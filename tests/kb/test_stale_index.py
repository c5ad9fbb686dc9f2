"""An index older than the store is never served silently (issue #14, item 6).

``ingest --no-index`` leaves the store one law ahead of the index, as an ingest killed between
storing a law and building the index does (the killed ingest itself is in tests/reliability):
``laws`` lists the law, so ``search``, ``ask`` and ``eval`` must say their results may lack it,
and the terminal chat (long-running, like ``bot run``) rebuilds the index before it starts.
"""
from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import cli
from kb.index import index_meta
from kb.service import STALE_INDEX
from kb.store import Store
from tests.helpers.paths import CORE

NEW_LAW = CORE / "兵役法(2021-08-20).md"


def lawbot(home, *args, input=None):
    return CliRunner().invoke(cli, ["--home", str(home), "--embedder", "hash", *args], input=input)


def index_revision(home) -> tuple[int, int]:
    with Store(home / "lawbot.db") as store:
        return index_meta(home / "index")["revision"], store.revision()


def test_search_ask_eval_warn_and_chat_rebuilds(small_home_copy, tmp_path) -> None:
    home = small_home_copy
    fresh = lawbot(home, "search", "兵役登记")
    assert fresh.exit_code == 0 and STALE_INDEX not in fresh.output  # no warning while up to date

    assert lawbot(home, "ingest", "--no-index", str(NEW_LAW)).exit_code == 0
    assert "中华人民共和国兵役法" in lawbot(home, "laws").output
    old, current = index_revision(home)
    assert old < current

    labelled = tmp_path / "q.jsonl"
    labelled.write_text(json.dumps({"id": "1", "question": "兵役登记", "gold": [{"law": "中华人民共和国兵役法", "article": 12}]},
                                   ensure_ascii=False) + "\n", encoding="utf-8")
    for args in (("search", "兵役登记"), ("search", "兵役登记", "--json"), ("ask", "兵役登记怎么办"),
                 ("eval", str(labelled))):
        result = lawbot(home, *args)
        assert result.exit_code == 0, (args, result.output)
        assert STALE_INDEX in result.stderr, args
        if "--json" in args:
            json.loads(result.stdout)  # the warning stays off the machine-readable output

    chat = lawbot(home, "chat", input="退出\n")
    assert chat.exit_code == 0 and "正在重建" in chat.stderr
    old, current = index_revision(home)
    assert old == current
    assert STALE_INDEX not in lawbot(home, "search", "兵役登记").stderr
