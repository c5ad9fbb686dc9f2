"""The web channel: citizens' H5 chat page, law browser and 6·5 page, the staff console and a JSON
API, served by one ASGI app (FastAPI + Jinja2 templates, plain JavaScript, no build step).

Like the Telegram bot it is a thin channel over the application layer (:mod:`app`): it parses a
request, calls an operation, renders the result. It never imports ``bot.telegram`` and keeps no
rule of its own that another channel needs (limits, formats and parsers live in ``app``/``kb``).
Routers live in :mod:`bot.web.routes` (one module per audience); more can be added with
:func:`bot.web.app.create_app`'s ``extra_routers`` or by listing them in :data:`bot.web.app.ROUTERS`.
"""
