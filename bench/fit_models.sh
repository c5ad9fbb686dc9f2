#!/bin/bash
# Fit the three packaged models in order: the query adapter (kb/data/query_adapter.npz), the
# ranker (kb/data/ranker.json) and the answer/decline decision (kb/data/decline.json).
#
# The precedents the decision compares questions with (kb/data/precedents.jsonl) are the labelled
# sets themselves; each set's own are left out of its decision rows.
#
# The decision is fitted on cross-fitted rows: the labelled sets are split in two halves, and each
# half's rows are computed with an adapter and a ranker fitted on the other half only. Otherwise
# the decision would learn from in-scope questions the adapter and ranker were fitted on (their
# scores too good to be true) and be too ready to answer on new questions. The adapter and ranker
# shipped are then fitted on everything.
#
# usage: bench/fit_models.sh HOME   (HOME: a data directory holding the core corpus, real e5 model,
#        indexed with the packaged views: `lawbot --home HOME ingest ../shared/corpus/core`)
# Takes about 35 minutes on 2 cores (32 with blind_a to blind_x).
set -euo pipefail
HOME_DIR=${1:?usage: bench/fit_models.sh HOME}
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
export PYTHONPATH=$PWD
D=tests/data
A="$D/dev.jsonl $D/blind_a.jsonl $D/blind_c.jsonl $D/blind_e.jsonl $D/blind_g.jsonl $D/blind_i.jsonl $D/blind_k.jsonl $D/blind_m.jsonl $D/blind_o.jsonl $D/blind_q.jsonl $D/blind_s.jsonl $D/blind_u.jsonl $D/blind_w.jsonl"
B="$D/dev_kinds.jsonl $D/blind_b.jsonl $D/blind_d.jsonl $D/blind_f.jsonl $D/blind_h.jsonl $D/blind_j.jsonl $D/blind_l.jsonl $D/blind_n.jsonl $D/blind_p.jsonl $D/blind_r.jsonl $D/blind_t.jsonl $D/blind_v.jsonl $D/blind_x.jsonl"
OWN=bench/data/decline_own.jsonl  # questions written for the decision only (no model sees them)
if [ -n "${KEEP:-}" ]; then  # KEEP=DIR keeps the decision rows there, to refit the decision alone
  TMP=$KEEP; mkdir -p "$TMP"
else
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
fi
$PY bench/build_precedents.py --sets $A $B $OWN
$PY -m bot.cli --home "$HOME_DIR" reindex
echo "== models on half A, decision rows of half B"
$PY bench/fit_adapter.py --home "$HOME_DIR" --sets $A
$PY bench/fit_ranker.py --home "$HOME_DIR" --sets $A | tail -1
$PY bench/fit_decline.py --home "$HOME_DIR" --sets $B $OWN --no-write --cache "$TMP/b.pkl" | tail -1
echo "== models on half B, decision rows of half A"
$PY bench/fit_adapter.py --home "$HOME_DIR" --sets $B
$PY bench/fit_ranker.py --home "$HOME_DIR" --sets $B | tail -1
$PY bench/fit_decline.py --home "$HOME_DIR" --sets $A --no-write --cache "$TMP/a.pkl" | tail -1
echo "== adapter and ranker on everything"
$PY bench/fit_adapter.py --home "$HOME_DIR" --sets $A $B
$PY bench/fit_ranker.py --home "$HOME_DIR" --sets $A $B --region-margins 0 0.5 1 1.5 2
echo "== decision on the cross-fitted rows"
$PY -c "import pickle, sys; pickle.dump(pickle.load(open(sys.argv[1], 'rb')) + pickle.load(open(sys.argv[2], 'rb')),
open(sys.argv[3], 'wb'))" "$TMP/a.pkl" "$TMP/b.pkl" "$TMP/all.pkl"
$PY bench/fit_decline.py --home "$HOME_DIR" --cache "$TMP/all.pkl"
