"""Fill a quiz.db with a campaign the size of the office's real 6·5 quiz: 370,000 participants in
11 universities, 10 questions each (3.7 million answers), as the engine would have stored them.

Why: the leaderboard, a student's rank, the dashboard, verification and the XLSX export must stay
fast at that size (``bench/bench_campaign_scale.py`` measures them on this file). Playing 370,000
rounds through the engine would take hours, so rows are written directly, in the engine's
layout: question snapshots and shuffled option orders per item, answers with latencies (some
timeouts, a few faster than a human), certificates with their MACs. Attempts are inserted open
and then closed with the same UPDATE ``finish()`` issues, so the triggers of migration 0003
build the leaderboard flags and tallies exactly as they do in production.

    python bench/gen_campaign.py /tmp/scale/quiz.db --participants 370000

Run the same command again after an interruption: it continues where the file stops.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quizzes import db  # noqa: E402
from quizzes.bank import load_bank  # noqa: E402
from quizzes.codes import certificate_mac, new_code, student_hash  # noqa: E402
from quizzes.engine import CampaignSpec, QuizEngine, option_order  # noqa: E402
from quizzes.errors import NotFound  # noqa: E402
from quizzes.model import question_to_dict  # noqa: E402

SCHOOLS = {  # school -> headcount (students expected)
    "重庆大学": 52000, "西南大学": 50000, "重庆医科大学": 21000, "重庆邮电大学": 32000,
    "重庆交通大学": 33000, "西南政法大学": 26000, "四川外国语大学": 20000, "重庆师范大学": 34000,
    "重庆工商大学": 36000, "重庆理工大学": 34000, "重庆科技大学": 30000}
COLLEGES = ("机械学院", "电气学院", "土木学院", "计算机学院", "经管学院", "法学院", "外国语学院",
            "数学学院", "化学学院", "医学院", "艺术学院", "新闻学院", "建筑学院", "环境学院")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def generate(path: Path, participants: int, *, code: str = "SCALE65", seed: int = 65,
             batch: int = 20_000, log=print) -> dict:
    rng = random.Random(seed)
    now = time.time()
    bank = load_bank().questions
    with QuizEngine(path, bank, seed=seed) as eng:
        try:  # resume an interrupted run: continue after the participants already written
            c = eng.campaign(code)
        except NotFound:
            c = eng.create_campaign(CampaignSpec(
                code=code, name="重庆市高校“6·5”防空知识竞赛", starts_at=now - 5 * 86400, ends_at=now + 86400,
                question_count=10, seconds_per_question=30, pass_mark=6, organiser="重庆市国防动员办公室",
                fields={"college": True, "class": False, "student_no": True}, headcounts=SCHOOLS))
        cert_key, student_key = eng._cert_key, eng._student_key
        pool = eng.questions(c.tags)
        done = eng.conn.execute("SELECT COUNT(*) FROM registrations WHERE campaign_id = ?", (c.id,)).fetchone()[0]
        issued = {r[0] for r in eng.conn.execute("SELECT code FROM certificates")}
    conn = db.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    snapshots = {q.id: json.dumps(question_to_dict(q), ensure_ascii=False) for q in pool}
    difficulty = {q.id: rng.uniform(0.35, 0.9) for q in pool}
    schools, weights = list(SCHOOLS), [SCHOOLS[s] for s in SCHOOLS]
    first_reg = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM registrations").fetchone()[0]) + 1 - done
    first_att = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM attempts").fetchone()[0]) + 1 - done
    started = time.perf_counter()
    counts = {"participants": done, "answers": 0, "certificates": 0, "flagged": 0}
    for lo in range(done, participants, batch):
        regs, atts, items, answers, closes, certs = [], [], [], [], [], []
        for n in range(lo, min(lo + batch, participants)):
            reg_id, att_id = first_reg + n, first_att + n
            school = rng.choices(schools, weights)[0]
            t_start = now - 5 * 86400 + rng.random() * (5 * 86400 - 600)
            regs.append((reg_id, c.id, f"web:{n}", _name(rng), school, rng.choice(COLLEGES),
                         f"{rng.randint(1, 40)}班", student_hash(student_key, c.id, f"S{seed}{n:08d}"), t_start))
            atts.append((att_id, f"web:{n}", 0, c.id, reg_id, "scored", 10, 30, t_start))
            cheat = rng.random() < 0.004
            t, score, elapsed, flagged = t_start, 0, 0, 0
            for pos, q in enumerate(rng.sample(pool, 10)):
                order = option_order(q, rng)
                items.append((att_id, pos, q.id, snapshots[q.id], json.dumps(order), t, t + 30))
                if not cheat and rng.random() < 0.03:
                    latency, outcome, chosen, right = 30_000, "timeout", None, 0
                else:
                    latency = rng.randint(250, 700) if cheat else min(30_000, int(rng.lognormvariate(8.6, 0.5)))
                    right = int(rng.random() < difficulty[q.id])
                    wrong = [i for i in range(len(q.options)) if i not in q.correct]
                    chosen = json.dumps(sorted(q.correct) if right or not wrong else [rng.choice(wrong)])
                    outcome = "answered"
                fast = int(outcome == "answered" and latency < 800)
                t += latency / 1000
                answers.append((att_id, pos, outcome, chosen, right, t, latency, fast))
                score, elapsed, flagged = score + right, elapsed + latency, max(flagged, fast)
            closes.append((t, score, elapsed, flagged, att_id))
            counts["flagged"] += flagged
            if score >= c.pass_mark:
                cert = new_code()
                while cert in issued:  # 8 symbols of 32: duplicates appear among 10^5 codes
                    cert = new_code()
                issued.add(cert)
                certs.append((cert, att_id, c.id, reg_id, regs[-1][3], score, 10, t,
                              certificate_mac(cert_key, cert, c.id, reg_id, regs[-1][3], score, 10, t)))
        with db.write(conn):
            conn.executemany("INSERT INTO registrations(id, campaign_id, user_ref, name, school, college,"
                             " class_name, student_hash, created_at) VALUES (?,?,?,?,?,?,?,?,?)", regs)
            conn.executemany("INSERT INTO attempts(id, user_ref, chat_id, campaign_id, registration_id, kind,"
                             " question_count, seconds_per_question, started_at) VALUES (?,?,?,?,?,?,?,?,?)", atts)
            conn.executemany("INSERT INTO attempt_items(attempt_id, position, question_id, question, option_order,"
                             " sent_at, deadline_at) VALUES (?,?,?,?,?,?,?)", items)
            conn.executemany("INSERT INTO answers(attempt_id, position, outcome, choice, correct, answered_at,"
                             " latency_ms, flagged) VALUES (?,?,?,?,?,?,?,?)", answers)
            # exactly what finish() does: the triggers build the leaderboard flags and the tallies
            conn.executemany("UPDATE attempts SET status='finished', finished_at=?, score=?, elapsed_ms=?,"
                             " flagged=MAX(flagged, ?) WHERE id=?", closes)
            conn.executemany("INSERT INTO certificates(code, attempt_id, campaign_id, registration_id, name,"
                             " score, total, issued_at, mac) VALUES (?,?,?,?,?,?,?,?,?)", certs)
        counts["participants"] += len(regs)
        counts["answers"] += len(answers)
        counts["certificates"] += len(certs)
        rate = (counts["participants"] - done) / (time.perf_counter() - started)
        log(f"  {counts['participants']:,} participants ({rate:,.0f}/s)", file=sys.stderr)
    counts["answers"] = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    counts["certificates"] = conn.execute("SELECT COUNT(*) FROM certificates").fetchone()[0]
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {**counts, "campaign": c.code, "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db", type=Path, help="quiz.db to create (or to complete after an interrupted run)")
    ap.add_argument("--participants", type=int, default=370_000)
    ap.add_argument("--code", default="SCALE65")
    ap.add_argument("--seed", type=int, default=65)
    args = ap.parse_args()
    print(json.dumps(generate(args.db, args.participants, code=args.code, seed=args.seed), ensure_ascii=False))


if __name__ == "__main__":
    main()
