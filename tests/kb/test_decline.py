"""The learned answer/decline decision (kb.decline): the packaged model, its arithmetic, and the
question words it measures coverage with."""
from __future__ import annotations

from kb.decline import FEATURES, DeclineModel, content_tokens, default_decline


def test_packaged_model_matches_the_feature_set():
    model = default_decline()
    assert model is not None, "kb/data/decline.json missing or fitted for another feature set"
    assert model.names == FEATURES and model.stumps and 0.0 < model.threshold < 1.0
    assert all(0 <= j < len(FEATURES) for j, *_ in model.stumps)


def test_stumps_add_up_and_survive_json():
    model = DeclineModel(("a", "b"), ((0, 0.5, -2.0, 1.0), (1, 0.0, 0.0, 1.0)), threshold=0.5)
    again = DeclineModel.from_json(model.to_json())
    assert again == model
    assert again.probability([0.2, 1.0]) < 0.5 < again.probability([0.9, 1.0])  # -1 vs +2
    assert not again.answerable(again.probability([0.2, 1.0]))


def test_content_words_are_taken_in_statute_wording():
    words = content_tokens("防空洞能租来开店吗")
    assert "人民防空工程" in words and "防空洞" not in words
    assert "吗" not in words and "能" not in words
