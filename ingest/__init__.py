"""Parsers that turn published statute files (Markdown, HTML, DOCX, plain text) into typed values.

Parsers are pure: they take text or bytes and return :class:`kb.model.ParsedLaw`. Walking folders
and writing to the store happens at the edge (``ingest.loader``, the CLI, the bot's admin upload).
"""
