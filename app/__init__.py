"""The application layer: the operations every channel calls — CLI, terminal chat, Telegram, web.

Typed, named, blocking methods with no Telegram and no HTTP. A channel parses its input, calls
one operation, and renders the typed value it gets back; rules needed by two channels (formats
and limits, time parsing, campaign checks, the wording of an FAQ reply) live here once. Imports
point down: channels (``bot/``: CLI, terminal chat, Telegram, web) → ``app`` → ``kb`` / ``quizzes`` / ``ingest``; nothing
here imports a channel or a web framework (``tests/test_layers.py`` keeps it so).

Each operations object owns one SQLite connection (through a :class:`kb.service.KnowledgeBase`
or ``quiz.db``): make one per thread, e.g. ``Library(KnowledgeBase(settings))``.

Modules:

* :mod:`app.answering` — ``Answering(kb).ask(text, channel, user_ref) -> Reply``: the core's
  :class:`kb.answer.Answer` plus, for a curated FAQ pair, its cited articles resolved here
  (``Reply.basis``, ``Reply.basis_line()``, ``faq_lines(reply)``) so every channel shows the same
  reply; ``warm_up()``; ``MAX_QUESTION``.
* :mod:`app.browsing` — ``Library(kb)``: ``counts()``, ``laws()``, ``law(name)``,
  ``versions(law) -> [VersionInfo]``, ``article(law, number, version_date=None)``,
  ``articles(ids)``, ``version_articles(version_id)``, ``with_version(article_id)``,
  ``chapters(version_id) -> [Chapter]`` (also ``chapters_of(articles)``).
* :mod:`app.curation` — ``Curation(kb)``: FAQ pairs (``faq_entries``, ``faq_add``,
  ``faq_remove``, ``faq_import`` from CSV bytes in any encoding), citizens' ``feedback(log_id,
  user_ref, positive)``, the question log (``unanswered(limit)``, ``stats(days)``) and answering a
  logged question as an FAQ pair (``start_answer`` / ``pending_answer`` / ``cancel_answer`` /
  ``add_answer``). Raises ``FaqError`` / ``NotFoundError`` with Chinese messages.
* :mod:`app.loading` — the one list of accepted formats (``FORMATS``, ``FORMATS_TEXT``) and upload
  limit (``MAX_UPLOAD_BYTES``, ``upload_refusal(filename, size)``); ``load_and_index(kb, paths)``
  (load files/folders, rebuild the index when changed or stale) and ``reindex(kb)``; staff uploads
  with preview and confirm: ``Uploads(kb, channel).stage(user_ref, filename, data) -> Staged``,
  ``confirm(upload_id) -> Loaded | None`` (idempotent), ``cancel``, ``recover``.
* :mod:`app.campaigns` — the one local-time parser (``parse_local_time(text, tz, end=False)``: a
  bare date as an end time means the whole day), ``campaign_spec(...)`` from typed values (CLI,
  web forms), ``parse_campaign_message`` (the bot's one-line syntax), ``parse_tags``,
  ``parse_fields``, ``read_headcounts``; ``SpecError``. Limits: :mod:`quizzes.rules`.
* :mod:`app.quiz` — ``QuizOps(settings, bank=None, clock=time.time)``: rounds (``start_practice``,
  ``start_scored``, ``begin``, ``submit``, ``expire``, ``resume``, ``active``, ``cancel``),
  registration (``campaign_for_join``, ``draft`` / ``save_draft`` / ``register``), standings
  (``standing``, ``my_campaigns``), staff reports (``summaries``, ``rankings``, ``export`` →
  CSV/XLSX bytes, ``create_campaign``), ``certificate(attempt_id)``, and ``reminders``;
  ``open_engine(settings, bank_paths=None)`` for one-shot channels (the CLI).
* :mod:`app.campaign_site` — campaigns as the web's pages use them, each function taking the
  quiz worker's ``QuizOps``: ``landing``, ``schools`` (the pick list), ``register``, ``start``,
  ``play`` (resume with the time left), ``answer`` (with its idempotency key; the web worker
  group-commits the steps arriving together), ``result``, ``certificate``, ``rank``, ``verify``; for organisers ``create`` (with the
  small-pool warning), ``stats`` (the live dashboard), ``export``, ``held`` / ``review``,
  ``valid_certificates``, ``roster``.
* :mod:`app.config` — settings built once at an entry point: ``load_settings(home, env=None,
  embedder=…)`` (the core's :class:`kb.settings.Settings`), ``load_telegram_settings()``
  (:class:`TelegramSettings`), ``Deployment``; the only reader of ``LAWBOT_*`` variables (web
  settings belong beside ``TelegramSettings``).
* :mod:`app.loading` also holds the first-run policy: ``find_corpus(option)``,
  ``estimate_first_run(files)`` and ``bulk_engine(kb)`` (the fast engine for bulk passages).
* :mod:`app.pending` — SQLite tables for staged uploads and answers in progress (used by the above).
* :mod:`app.inbox` — ``Inbox.for_home(home)``: each state-changing request handled once, keyed by
  Telegram ``update_id`` or a web idempotency key (``claim(channel, key)`` before handling,
  ``complete(channel, key, response)`` to replay the response to a retry).
* :mod:`app.workers` — ``Worker`` (one thread owning one set of operations), ``StoreSide`` and
  ``LockedEmbedder``: the thread arrangement the async channels (Telegram, web) share.
"""
