"""The Telegram channel: python-telegram-bot handlers over the answering core.

``bot/telegram`` is the only package that imports ``telegram``. :func:`build_application` (in
``app``) turns settings and core services into a PTB ``Application``; ``run`` starts it (long
polling or a webhook). Handlers are thin: each parses an update, calls the core in a worker
thread (``services``), and sends what the pure renderers (``render``, ``screens``) produce.
"""
