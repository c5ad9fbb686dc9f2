"""Knowledge base: the statute store, embeddings, indexes and retrieval.

Nothing here imports Telegram; the CLI, the bot and tests all use the same core.
Submodules are imported explicitly (``from kb.store import Store``) so that importing
``kb`` stays instant.
"""
