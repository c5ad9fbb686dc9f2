"""Click's own errors and operating-system errors as one polite Chinese line.

The ``lawbot`` group (``bot/cli.py``) shows every user error this way: a mistyped option, a
missing argument, a value out of range, a path that does not exist or cannot be written, a file
that is not UTF-8. Click's English detail is translated where it is formulaic.
"""
from __future__ import annotations

import errno
import re

import click

NOT_UTF8 = "文件不是 UTF-8 编码的文本，请另存为 UTF-8 后重试。"


def usage_message(exc: click.UsageError) -> str:
    """Click's usage errors in Chinese, with where to find the right usage."""
    param = getattr(exc, "param", None)
    name = (param.opts[0] if isinstance(param, click.Option) else
            param.human_readable_name if param is not None else "")
    if isinstance(exc, click.NoSuchOption):
        text = f"没有选项 {exc.option_name}"
    elif isinstance(exc, click.MissingParameter):
        text = f"缺少{'选项' if isinstance(param, click.Option) else '参数'} {name}"
    elif isinstance(exc, click.BadParameter):
        detail = _CLICK_WORDS.sub(lambda m: _CLICK_ZH[m.group(0)], exc.message.rstrip("。."))
        text = f"{name} 的值无效：{detail}" if name else detail
    elif (m := _NO_COMMAND.match(exc.format_message())):
        text = f"没有命令 {m.group(1)}" + (f"（您是不是想用 {m.group(2)}？）" if m.group(2) else "")
    else:
        text = exc.format_message()
    path = exc.ctx.command_path.split(" ", 1)[-1] if exc.ctx else ""
    hint = f"运行 lawbot {path} --help 查看用法。" if exc.ctx and exc.ctx.parent else "运行 lawbot --help 查看用法。"
    return f"错误：{text.rstrip('。.')}。{hint}"


_CLICK_ZH = {" is not a valid integer range": " 不是有效的整数", " is not a valid integer": " 不是有效的整数",
             " is not a valid float": " 不是有效的数字", " is not in the range": " 超出范围",
             " does not exist": " 不存在", " is a directory": " 是文件夹，不是文件",
             " is a file": " 是文件，不是文件夹", " is not one of": " 不是可选值之一", "File ": "文件 ",
             "Path ": "路径 ", "Directory ": "文件夹 "}
_NO_COMMAND = re.compile(r"No such command '(.+?)'\.(?: Did you mean '(.+?)'\?)?")
_CLICK_WORDS = re.compile("|".join(re.escape(k) for k in sorted(_CLICK_ZH, key=len, reverse=True)))


def os_reason(exc: OSError) -> str:
    return {errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.EROFS: "所在位置只读",
            errno.ENOENT: "文件或文件夹不存在", errno.EISDIR: "这是一个文件夹", errno.ENOTDIR: "路径不是文件夹",
            errno.ENOSPC: "磁盘空间不足"}.get(exc.errno, exc.strerror or "读写失败")
