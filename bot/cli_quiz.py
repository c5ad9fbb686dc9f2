"""``lawbot quiz …`` (question bank) and ``lawbot campaign …`` (university campaigns).

The groups are attached to the main CLI in :mod:`bot.cli`; commands load the engine lazily.
"""
from __future__ import annotations

import click


@click.group()
def quiz() -> None:
    """题库：校验、列出、导入导出、生成与审核题目。"""


@click.group()
def campaign() -> None:
    """知识竞赛活动：创建、排名、导出成绩、核验证书。"""
