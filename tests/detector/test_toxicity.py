import numpy as np
import pytest
import skops.io as sio
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from detector.normalize import normalize, strip_diacritics
from detector.toxicity import ToxicityClassifier
from detector.training import TOXICITY_TYPES
from tests.detector.conftest import make_corpus


def test_estimator_contract(corpus: tuple[list[str], list[str]]) -> None:
    texts, labels = corpus
    model = ToxicityClassifier(min_df=1, max_features=2000)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    assert model.fit(texts, labels) is model
    check_is_fitted(model)
    assert list(model.classes_) == ["CLEAN", "HATE", "OFFENSIVE"]
    # get_params / clone give an unfitted copy with the same parameters
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "coef_")


def test_learns_the_synthetic_task_and_probabilities_sum_to_one(
    tiny_toxicity: ToxicityClassifier,
) -> None:
    texts, labels = make_corpus(90, seed=7)  # unseen draws of the same templates
    pred = tiny_toxicity.predict(texts)
    assert np.mean(pred == np.asarray(labels)) > 0.9
    proba = tiny_toxicity.predict_proba(texts)
    assert proba.shape == (90, 3)
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_unaccented_input_gets_the_same_verdicts(tiny_toxicity: ToxicityClassifier) -> None:
    texts, labels = make_corpus(60, seed=3)
    stripped = tiny_toxicity.predict([strip_diacritics(t) for t in texts])
    assert np.mean(stripped == np.asarray(labels)) > 0.85


def test_explanation_names_the_ngrams_that_pushed(tiny_toxicity: ToxicityClassifier) -> None:
    texts = ["mày ngu thế", "bài viết hay, cảm ơn tác giả nhiều"]
    features = tiny_toxicity.features_.transform(texts)
    labels = tiny_toxicity.predict(texts)
    explanation = tiny_toxicity.explain_features(features, labels, top=5)
    assert labels[0] == "OFFENSIVE"
    assert explanation[0]
    for text, row in zip(texts, explanation, strict=True):
        seen = f" {normalize(text)} "  # char_wb n-grams are padded with spaces
        for item in row:
            channel, term = item["ngram"].split(":", 1)
            assert term in (strip_diacritics(seen) if "~" in channel else seen)
    assert all(item["weight"] > 0 for row in explanation for item in row)
    assert all(len(row) <= 5 for row in explanation)


def test_tune_offsets_never_lowers_macro_f1(corpus: tuple[list[str], list[str]]) -> None:
    from sklearn.metrics import f1_score

    texts, labels = corpus
    model = ToxicityClassifier(min_df=1, max_features=2000, class_weight=None).fit(
        texts[:150], labels[:150]
    )
    before = f1_score(labels[150:], model.predict(texts[150:]), average="macro")
    model.tune_offsets(texts[150:], labels[150:], grid=[-1.0, 0.0, 1.0])
    after = f1_score(labels[150:], model.predict(texts[150:]), average="macro")
    assert after >= before


def test_toxic_head_gives_binary_verdicts(tiny_toxicity: ToxicityClassifier) -> None:
    verdict = tiny_toxicity.predict_toxic(["mày ngu thế", "hôm nay trời đẹp quá mọi người ơi"])
    assert list(verdict) == [True, False]


def test_skops_round_trip_gives_identical_predictions(
    tiny_toxicity: ToxicityClassifier, tmp_path
) -> None:
    path = tmp_path / "m.skops"
    sio.dump(tiny_toxicity, path)
    assert set(sio.get_untrusted_types(file=path)) <= TOXICITY_TYPES
    loaded = sio.load(path, trusted=sorted(TOXICITY_TYPES))
    texts, _ = make_corpus(30, seed=11)
    assert np.array_equal(loaded.predict(texts), tiny_toxicity.predict(texts))
    assert np.allclose(loaded.predict_proba(texts), tiny_toxicity.predict_proba(texts))
    assert np.array_equal(loaded.predict_toxic(texts), tiny_toxicity.predict_toxic(texts))
