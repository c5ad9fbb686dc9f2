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


@migrations(name="0003_campaign_scale_and_review")
def m0003_campaign_scale_and_review(db: Database) -> None:
    """Campaigns of 370,000 participants, and certificates held, released or revoked by review.

    Per-attempt totals (``attempts.score``, ``elapsed_ms``) are already written by ``finish()`` in
    the transaction that closes the attempt; here the schema itself keeps, in that same
    transaction, which attempt of each registration is its best (``ranked``), per-school/college
    and per-hour counts (``campaign_tally``) and per-question counts (``question_tally``). They are
    kept by triggers so that no code path that finishes an attempt (CLI, bot, web) can skip them.
    Leaderboards read the partial index ``attempts_leaderboard``; ``quizzes.ranking.check``
    compares them with a recomputation from the raw answers.
    """
    _run(
        db,
        """
        -- 1 for the best finished scored attempt of each registration (score desc, time, finish)
        ALTER TABLE attempts ADD COLUMN ranked INTEGER NOT NULL DEFAULT 0;

        -- certificates: 'held' (flagged participant, awaiting review), 'valid', 'revoked'
        ALTER TABLE certificates ADD COLUMN status TEXT NOT NULL DEFAULT 'valid'
            CHECK (status IN ('valid', 'held', 'revoked'));
        ALTER TABLE certificates ADD COLUMN reason TEXT NOT NULL DEFAULT '';
        ALTER TABLE certificates ADD COLUMN reviewed_at REAL;
        ALTER TABLE certificates ADD COLUMN reviewed_by TEXT NOT NULL DEFAULT '';
        CREATE INDEX certificates_campaign ON certificates(campaign_id, status);
        -- campaign option: hold the certificate of a flagged participant for review (default on)
        ALTER TABLE campaigns ADD COLUMN hold_flagged INTEGER NOT NULL DEFAULT 1;

        CREATE TABLE campaign_tally (
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            school TEXT NOT NULL,
            college TEXT NOT NULL,
            hour INTEGER NOT NULL,            -- Unix hour of the ranked attempt's finish
            participants INTEGER NOT NULL DEFAULT 0,
            passed INTEGER NOT NULL DEFAULT 0,
            flagged INTEGER NOT NULL DEFAULT 0,
            score_sum INTEGER NOT NULL DEFAULT 0,
            elapsed_sum INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (campaign_id, school, college, hour)
        ) WITHOUT ROWID;

        CREATE TABLE question_tally (
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            question_id TEXT NOT NULL,
            stem TEXT NOT NULL,
            shown INTEGER NOT NULL DEFAULT 0,     -- in finished scored attempts
            correct INTEGER NOT NULL DEFAULT 0,
            timeouts INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (campaign_id, question_id)
        ) WITHOUT ROWID;

        -- existing data: best attempts, then the tallies
        UPDATE attempts SET ranked = 1 WHERE id IN (
            SELECT id FROM (
                SELECT id, ROW_NUMBER() OVER (PARTITION BY registration_id
                                              ORDER BY score DESC, elapsed_ms, finished_at, id) AS nth
                FROM attempts WHERE kind = 'scored' AND status = 'finished' AND campaign_id IS NOT NULL
                  AND registration_id IS NOT NULL)
            WHERE nth = 1);
        INSERT INTO campaign_tally(campaign_id, school, college, hour, participants, passed, flagged,
                                   score_sum, elapsed_sum)
            SELECT t.campaign_id, r.school, r.college, CAST(t.finished_at / 3600 AS INTEGER), COUNT(*),
                   SUM(t.score >= c.pass_mark), SUM(t.flagged), SUM(t.score), SUM(t.elapsed_ms)
            FROM attempts t JOIN registrations r ON r.id = t.registration_id JOIN campaigns c ON c.id = t.campaign_id
            WHERE t.ranked = 1 GROUP BY 1, 2, 3, 4;
        INSERT INTO question_tally(campaign_id, question_id, stem, shown, correct, timeouts)
            SELECT t.campaign_id, i.question_id, MIN(json_extract(i.question, '$.stem')), COUNT(*),
                   SUM(a.correct), SUM(a.outcome = 'timeout')
            FROM attempts t JOIN attempt_items i ON i.attempt_id = t.id
            JOIN answers a ON a.attempt_id = i.attempt_id AND a.position = i.position
            WHERE t.kind = 'scored' AND t.status = 'finished' AND t.campaign_id IS NOT NULL
            GROUP BY 1, 2;

        -- leaderboards: a range of this index, already in ranking order
        CREATE INDEX attempts_leaderboard
            ON attempts(campaign_id, score DESC, elapsed_ms, finished_at, registration_id) WHERE ranked = 1;
        """,
    )
    # Triggers contain ';' inside BEGIN … END: one statement each.
    db.execute("""
        CREATE TRIGGER attempts_finish_scored AFTER UPDATE OF status ON attempts
        WHEN NEW.status = 'finished' AND OLD.status = 'open' AND NEW.kind = 'scored'
             AND NEW.campaign_id IS NOT NULL AND NEW.registration_id IS NOT NULL
        BEGIN
            INSERT INTO question_tally(campaign_id, question_id, stem, shown, correct, timeouts)
                SELECT NEW.campaign_id, i.question_id, json_extract(i.question, '$.stem'), 1, a.correct,
                       a.outcome = 'timeout'
                FROM attempt_items i JOIN answers a ON a.attempt_id = i.attempt_id AND a.position = i.position
                WHERE i.attempt_id = NEW.id
                ON CONFLICT(campaign_id, question_id) DO UPDATE SET shown = shown + 1,
                    correct = correct + excluded.correct, timeouts = timeouts + excluded.timeouts;
            -- a later attempt replaces the best only when strictly better (ties keep the earlier)
            UPDATE attempts SET ranked = 0
                WHERE registration_id = NEW.registration_id AND ranked = 1 AND id != NEW.id
                  AND (NEW.score > score OR (NEW.score = score AND NEW.elapsed_ms < elapsed_ms));
            UPDATE attempts SET ranked = 1
                WHERE id = NEW.id AND NOT EXISTS (SELECT 1 FROM attempts o
                    WHERE o.registration_id = NEW.registration_id AND o.ranked = 1 AND o.id != NEW.id);
        END""")
    db.execute("""
        CREATE TRIGGER attempts_ranked_tally AFTER UPDATE OF ranked ON attempts
        WHEN NEW.ranked != OLD.ranked
        BEGIN
            INSERT INTO campaign_tally(campaign_id, school, college, hour, participants, passed, flagged,
                                       score_sum, elapsed_sum)
                SELECT NEW.campaign_id, r.school, r.college, CAST(NEW.finished_at / 3600 AS INTEGER), d.s,
                       d.s * (NEW.score >= c.pass_mark), d.s * NEW.flagged, d.s * NEW.score, d.s * NEW.elapsed_ms
                FROM registrations r JOIN campaigns c ON c.id = NEW.campaign_id
                JOIN (SELECT NEW.ranked - OLD.ranked AS s) d
                WHERE r.id = NEW.registration_id
                ON CONFLICT(campaign_id, school, college, hour) DO UPDATE SET
                    participants = participants + excluded.participants, passed = passed + excluded.passed,
                    flagged = flagged + excluded.flagged, score_sum = score_sum + excluded.score_sum,
                    elapsed_sum = elapsed_sum + excluded.elapsed_sum;
        END""")
    db.execute("""
        CREATE TRIGGER certificates_hold_flagged AFTER INSERT ON certificates
        WHEN NEW.status = 'valid'
             AND (SELECT hold_flagged FROM campaigns WHERE id = NEW.campaign_id) = 1
             AND (SELECT flagged FROM attempts WHERE id = NEW.attempt_id) = 1
        BEGIN
            UPDATE certificates SET status = 'held', reason = '答题过快，待主办方复核'
            WHERE code = NEW.code;
        END""")


@migrations(name="0004_rosters_student_numbers_purge")
def m0004_rosters_student_numbers_purge(db: Database) -> None:
    """Per-school rosters (only listed students take the scored round) and student numbers kept
    in clear for one campaign when its organiser opts in (for the export; deleted with the
    campaign's data by ``lawbot campaign purge``)."""
    _run(
        db,
        """
        -- campaign option: keep the student number itself (not only its keyed hash) for the export
        ALTER TABLE campaigns ADD COLUMN keep_student_no INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE registrations ADD COLUMN student_no TEXT;   -- NULL unless keep_student_no

        CREATE TABLE rosters (
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
            school TEXT NOT NULL,
            student_hash TEXT NOT NULL,       -- keyed hash, as registrations.student_hash
            name TEXT NOT NULL,
            PRIMARY KEY (campaign_id, school, student_hash)
        ) WITHOUT ROWID;
        """,
    )


@migrations(name="0005_answer_idempotency_key")
def m0005_answer_idempotency_key(db: Database) -> None:
    """The idempotency key the answer was sent with, committed with the answer itself: a retry
    carrying the same key is answered with the original outcome (not "duplicate"), with no
    second table written on the hot path."""
    _run(db, "ALTER TABLE answers ADD COLUMN idem_key TEXT")
