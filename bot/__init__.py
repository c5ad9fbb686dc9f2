"""Channels over the core: the ``lawbot`` command line, the terminal chat and (later) Telegram.

This is the outermost layer: it may import ``kb``, ``ingest`` and ``quizzes``; they never import it.
"""
