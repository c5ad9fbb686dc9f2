"""The database schema, only ever changed by appending numbered migrations.

Each migration runs once, in a transaction, recorded in ``_sqlite_migrations`` by sqlite-utils.
Never edit an applied migration; add the next number instead.
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("lawbot.kb")


def _run(db: Database, script: str) -> None:
    """Run statements one by one (``executescript`` would commit mid-migration)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations(name="0001_statutes")
def m0001_statutes(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE laws (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL UNIQUE,
            short_names TEXT NOT NULL DEFAULT '[]',
            level TEXT NOT NULL DEFAULT '',
            region TEXT NOT NULL DEFAULT '全国',
            status TEXT NOT NULL DEFAULT '现行有效',
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );
        CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            law_id INTEGER NOT NULL REFERENCES laws(id),
            version_date TEXT,
            is_current INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT NOT NULL,
            source_name TEXT NOT NULL DEFAULT '',
            source_format TEXT NOT NULL DEFAULT '',
            history TEXT NOT NULL DEFAULT '[]',
            preamble TEXT NOT NULL DEFAULT '',
            article_count INTEGER NOT NULL DEFAULT 0,
            ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            superseded_at TEXT,
            UNIQUE (law_id, content_hash)
        );
        CREATE INDEX versions_law ON versions(law_id, is_current);
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            version_id INTEGER NOT NULL REFERENCES versions(id),
            law_id INTEGER NOT NULL REFERENCES laws(id),
            ordinal INTEGER NOT NULL,
            number INTEGER NOT NULL,
            suffix TEXT NOT NULL DEFAULT '',
            label TEXT NOT NULL,
            chapter TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            paragraphs TEXT NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL,
            UNIQUE (version_id, number, suffix)
        );
        CREATE INDEX articles_law_number ON articles(law_id, number, suffix);
        CREATE TABLE embeddings (
            content_hash TEXT NOT NULL,
            model_id TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (content_hash, model_id)
        ) WITHOUT ROWID;
        CREATE TABLE ingest_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            source TEXT NOT NULL,
            law_title TEXT,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        INSERT INTO meta (key, value) VALUES ('revision', '0');
        """
    )


@migrations(name="0002_faq_and_question_log")
def m0002_faq_and_question_log(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE faq (
            id INTEGER PRIMARY KEY,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            basis TEXT NOT NULL DEFAULT '[]',
            created_by TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE question_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            channel TEXT NOT NULL,
            user_ref TEXT NOT NULL DEFAULT '',
            question TEXT NOT NULL,
            normalized TEXT NOT NULL,
            kind TEXT NOT NULL,
            confidence REAL NOT NULL DEFAULT 0,
            articles TEXT NOT NULL DEFAULT '[]',
            faq_id INTEGER,
            resolved_faq_id INTEGER
        );
        CREATE INDEX question_log_kind ON question_log(kind, at);
        CREATE INDEX question_log_normalized ON question_log(normalized);
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            log_id INTEGER NOT NULL REFERENCES question_log(id),
            user_ref TEXT NOT NULL DEFAULT '',
            value INTEGER NOT NULL CHECK (value IN (-1, 1)),
            UNIQUE (log_id, user_ref)
        )
        """,
    )


@migrations(name="0003_pending_uploads")
def m0003_pending_uploads(db: Database) -> None:
    """Telegram staff state that must survive a restart: uploaded files awaiting 确认, and
    which unanswered question a staff member is answering (expired by the bot after 24 h)."""
    _run(
        db,
        """
        CREATE TABLE pending_uploads (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: an old 确认 button cannot hit a newer file
            user_ref TEXT NOT NULL,
            filename TEXT NOT NULL,
            data BLOB NOT NULL,
            law_title TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'pending',
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );
        CREATE TABLE pending_answers (
            user_ref TEXT PRIMARY KEY,
            log_id INTEGER NOT NULL REFERENCES question_log(id),
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        )
        """,
    )


@migrations(name="0004_corpus_upkeep")
def m0004_corpus_upkeep(db: Database) -> None:
    """Keeping the corpus current (issue 13): effective dates and withdrawn versions, repeal,
    an audit log of every change, question views owned by the store, the article texts that
    quiz questions and FAQ pairs were written against, and FAQ pairs resting on a named source."""
    _run(
        db,
        """
        ALTER TABLE versions ADD COLUMN effective_date TEXT;
        ALTER TABLE versions ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
        ALTER TABLE laws ADD COLUMN repealed_on TEXT;
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            law_title TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_log_at ON audit_log(at);
        CREATE TABLE views (
            id INTEGER PRIMARY KEY,
            law TEXT NOT NULL,
            article INTEGER NOT NULL,
            question TEXT NOT NULL,
            text_sha TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'active',
            origin TEXT NOT NULL DEFAULT 'seed',
            note TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            UNIQUE (law, article, question)
        );
        CREATE TABLE pins (
            kind TEXT NOT NULL,
            ref TEXT NOT NULL,
            law TEXT NOT NULL,
            article INTEGER NOT NULL,
            suffix TEXT NOT NULL DEFAULT '',
            text_sha TEXT NOT NULL,
            pinned_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            pinned_by TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (kind, ref, law, article, suffix)
        );
        ALTER TABLE faq ADD COLUMN source TEXT NOT NULL DEFAULT '';
        ALTER TABLE faq ADD COLUMN seed_key TEXT;
        CREATE UNIQUE INDEX faq_seed_key ON faq(seed_key) WHERE seed_key IS NOT NULL
        """,
    )
