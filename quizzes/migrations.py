"""Schema of the quiz database (``<home>/quiz.db``), only ever changed by appending migrations.

Quizzes live in their own SQLite file so that a campaign with hundreds of thousands of answers
never contends with corpus updates; articles are referred to by law title and number (stable
across re-ingests), not by row ids of the statute database.

Times are Unix seconds (REAL, UTC). JSON columns hold lists/objects as text.
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("lawbot.quiz")


def _run(db: Database, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations(name="0001_quiz")
def m0001_quiz(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        -- imported and generated questions (curated ones are read from quizzes/bank/*.toml)
        CREATE TABLE questions (
            id TEXT PRIMARY KEY,
            origin TEXT NOT NULL CHECK (origin IN ('generated', 'imported', 'curated')),
            status TEXT NOT NULL CHECK (status IN ('approved', 'pending', 'rejected')),
            data TEXT NOT NULL,               -- the Question as JSON
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL DEFAULT '',
            reviewed_at REAL,
            reviewed_by TEXT
        );
        CREATE INDEX questions_status ON questions(status);

        CREATE TABLE campaigns (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,        -- join code, upper-case
            name TEXT NOT NULL,
            organiser TEXT NOT NULL DEFAULT '',
            starts_at REAL NOT NULL,
            ends_at REAL NOT NULL,
            tags TEXT NOT NULL DEFAULT '[]',  -- draw from questions having any of these tags
            question_count INTEGER NOT NULL,
            seconds_per_question INTEGER NOT NULL,
            scored_attempts INTEGER NOT NULL DEFAULT 1,
            practice_attempts INTEGER NOT NULL DEFAULT 0,
            fields TEXT NOT NULL,             -- {"college": false, "class": false, "student_no": false}
            pass_mark INTEGER NOT NULL,       -- minimum score (number of correct answers)
            created_at REAL NOT NULL,
            created_by TEXT NOT NULL DEFAULT '',
            CHECK (ends_at > starts_at)
        );

        CREATE TABLE school_headcounts (
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            school TEXT NOT NULL,
            headcount INTEGER NOT NULL CHECK (headcount > 0),
            PRIMARY KEY (campaign_id, school)
        );

        CREATE TABLE registrations (
            id INTEGER PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            user_ref TEXT NOT NULL,           -- one Telegram account per registration
            name TEXT NOT NULL,
            school TEXT NOT NULL,
            college TEXT NOT NULL DEFAULT '',
            class_name TEXT NOT NULL DEFAULT '',
            student_hash TEXT,                -- salted SHA-256 of the student number, never the number
            created_at REAL NOT NULL,
            UNIQUE (campaign_id, user_ref)
        );
        CREATE UNIQUE INDEX registrations_student ON registrations(campaign_id, student_hash)
            WHERE student_hash IS NOT NULL;
        CREATE INDEX registrations_school ON registrations(campaign_id, school);

        -- a registration conversation in progress (survives restarts)
        CREATE TABLE registration_drafts (
            user_ref TEXT PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            data TEXT NOT NULL DEFAULT '{}',
            updated_at REAL NOT NULL
        );

        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            user_ref TEXT NOT NULL,
            chat_id INTEGER NOT NULL,
            campaign_id INTEGER REFERENCES campaigns(id),   -- NULL: open practice (/quiz)
            registration_id INTEGER REFERENCES registrations(id),
            kind TEXT NOT NULL CHECK (kind IN ('practice', 'scored')),
            question_count INTEGER NOT NULL,
            seconds_per_question INTEGER NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'finished', 'abandoned')),
            score INTEGER,
            elapsed_ms INTEGER,               -- sum of per-question answer times
            flagged INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX attempts_user ON attempts(user_ref, status);
        CREATE INDEX attempts_campaign ON attempts(campaign_id, kind, status);
        CREATE INDEX attempts_open ON attempts(status) WHERE status = 'open';

        CREATE TABLE attempt_items (
            attempt_id INTEGER NOT NULL REFERENCES attempts(id),
            position INTEGER NOT NULL,        -- 0-based
            question_id TEXT NOT NULL,
            question TEXT NOT NULL,           -- snapshot of the Question as JSON
            option_order TEXT NOT NULL,       -- JSON list: shown position -> index in question.options
            sent_at REAL,
            deadline_at REAL,
            chat_id INTEGER,
            message_id INTEGER,
            PRIMARY KEY (attempt_id, position)
        );

        -- exactly one row per (attempt, question): an answer or a timeout
        CREATE TABLE answers (
            attempt_id INTEGER NOT NULL REFERENCES attempts(id),
            position INTEGER NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('answered', 'timeout')),
            choice TEXT,                      -- JSON list of indexes into question.options
            correct INTEGER NOT NULL DEFAULT 0,
            answered_at REAL NOT NULL,
            latency_ms INTEGER NOT NULL,
            flagged INTEGER NOT NULL DEFAULT 0, -- faster than humanly possible
            PRIMARY KEY (attempt_id, position),
            FOREIGN KEY (attempt_id, position) REFERENCES attempt_items(attempt_id, position)
        );

        CREATE TABLE certificates (
            code TEXT PRIMARY KEY,
            attempt_id INTEGER NOT NULL UNIQUE REFERENCES attempts(id),
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            registration_id INTEGER NOT NULL REFERENCES registrations(id),
            name TEXT NOT NULL,
            score INTEGER NOT NULL,
            total INTEGER NOT NULL,
            issued_at REAL NOT NULL,
            mac TEXT NOT NULL                 -- HMAC over the fields above, with meta.secret
        );

        -- 6·5 reminders
        CREATE TABLE subscribers (
            chat_id INTEGER PRIMARY KEY,
            user_ref TEXT NOT NULL,
            subscribed_at REAL NOT NULL,
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE broadcasts (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,         -- e.g. "6-5:2027": one broadcast per occasion
            text TEXT NOT NULL,
            created_at REAL NOT NULL,
            finished_at REAL
        );
        CREATE TABLE deliveries (
            broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id),
            chat_id INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
            tries INTEGER NOT NULL DEFAULT 0,
            sent_at REAL,
            error TEXT,
            PRIMARY KEY (broadcast_id, chat_id)
        );
        CREATE INDEX deliveries_pending ON deliveries(broadcast_id, status);
        """,
    )


@migrations(name="0002_polls_and_ranking")
def m0002_polls_and_ranking(db: Database) -> None:
    _run(
        db,
        """
        -- Telegram poll answers carry only the poll id: map it back to the item
        ALTER TABLE attempt_items ADD COLUMN poll_id TEXT;
        CREATE UNIQUE INDEX attempt_items_poll ON attempt_items(poll_id) WHERE poll_id IS NOT NULL;

        -- rankings sum scores and times per attempt from this covering index alone
        CREATE INDEX answers_score ON answers(attempt_id, correct, latency_ms, flagged);

        -- the scored-attempt limit counts a participant's attempts
        CREATE INDEX attempts_registration ON attempts(registration_id, kind);

        -- a participant's standing: how many finished attempts beat theirs (an index range count)
        CREATE INDEX attempts_standing
            ON attempts(campaign_id, kind, status, score, elapsed_ms, finished_at, registration_id);
        """,
    )
