import unicodedata

import numpy as np
import pytest
import skops.io as sio

from detector.spans import SpanTagger, mean_span_f1, span_f1
from detector.training import SPANS_TYPES
from tests.detector.conftest import make_span_corpus


@pytest.mark.parametrize(
    ("pred", "gold", "expected"),
    [
        ([], [], 1.0),
        ([1], [], 0.0),
        ([], [1], 0.0),
        ([1, 2], [1, 2], 1.0),
        ([1, 2, 3, 4], [3, 4], 2 * 0.5 * 1.0 / 1.5),
        ([9], [1], 0.0),
    ],
)
def test_span_f1_follows_vihos(pred: list[int], gold: list[int], expected: float) -> None:
    assert span_f1(pred, gold) == pytest.approx(expected)


def test_mean_span_f1_averages_posts() -> None:
    assert mean_span_f1([[], [1]], [[], [2]]) == pytest.approx(0.5)


def test_tagger_finds_insults_as_offsets_into_the_original(tiny_spans: SpanTagger) -> None:
    texts, gold = make_span_corpus(60, seed=5)
    assert mean_span_f1(tiny_spans.predict(texts), gold) > 0.8
    text = "Nhìn mặt " + unicodedata.normalize("NFD", "mất dạy") + " thế 😡"
    spans = tiny_spans.predict_spans([text])[0]
    assert spans, "the insult should be found"
    for s in spans:
        assert text[s["start"] : s["end"]] == s["text"]
    assert any(unicodedata.normalize("NFC", s["text"]) == "mất dạy" for s in spans)


def test_tagger_handles_texts_without_tokens(tiny_spans: SpanTagger) -> None:
    assert tiny_spans.predict_spans(["", "!!!", "   "]) == [[], [], []]


def test_tune_thresholds_never_lowers_f1(tiny_spans: SpanTagger) -> None:
    texts, gold = make_span_corpus(40, seed=9)
    model = SpanTagger(n_features=2**12).fit(*make_span_corpus(80, seed=2))
    before = mean_span_f1(model.predict(texts), gold)
    after = mean_span_f1(model.tune_thresholds(texts, gold).predict(texts), gold)
    assert after >= before


def test_skops_round_trip(tiny_spans: SpanTagger, tmp_path) -> None:
    path = tmp_path / "s.skops"
    sio.dump(tiny_spans, path)
    loaded = sio.load(path, trusted=sorted(SPANS_TYPES))
    texts, _ = make_span_corpus(20, seed=4)
    assert loaded.predict(texts) == tiny_spans.predict(texts)
    assert np.array_equal(loaded.coef_, tiny_spans.coef_)
