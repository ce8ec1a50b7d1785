from pathlib import Path

import pytest
from sqlmodel import Session, select

from detector.registry import MODEL_FILE, ArtifactUnavailable, ModelLoader
from detector.service import detect_posts, detect_texts
from detector.settings import DetectorSettings
from models.detections import Detection
from models.errors import InvalidInput
from models.posts import Post


def _detect(texts: list[str], loader: ModelLoader, **settings: object):
    base = loader.registry.settings.model_copy(update=settings)
    return detect_texts(texts, loader=loader, settings=base)


def test_verdict_with_probabilities_spans_and_explanation(tiny_loader: ModelLoader) -> None:
    text = "Nhìn mặt mất dạy thế"
    [result] = _detect([text], tiny_loader)
    assert result.status == "ok"
    assert result.label == "OFFENSIVE"
    assert set(result.probabilities) == {"CLEAN", "OFFENSIVE", "HATE"}
    assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert result.explanation
    assert result.spans and all(text[s.start : s.end] == s.text for s in result.spans)
    assert result.model_name == "toxicity" and result.model_version == "v1+spans-v1"
    assert result.toxic_probability is not None


def test_clean_text_has_no_spans(tiny_loader: ModelLoader) -> None:
    [result] = _detect(["hôm nay trời đẹp quá mọi người ơi"], tiny_loader)
    assert result.label == "CLEAN" and result.spans == []


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("!!! ...", "empty"),
        ("😂😂😡", "emoji_only"),
        ("\x00\x01\x02\x03\x04\x05\xff\ufffd\ufffd", "junk"),
        ("Policy này OK nhưng fake news nhiều quá", "ok"),
    ],
)
def test_bad_input_is_marked_not_raised(tiny_loader: ModelLoader, text: str, status: str) -> None:
    [result] = _detect([text], tiny_loader)
    assert result.status == status
    if status in ("empty", "junk"):
        assert result.label is None and result.note
    else:
        assert result.label in ("CLEAN", "OFFENSIVE", "HATE")


def test_one_megabyte_is_truncated_and_says_so(tiny_loader: ModelLoader) -> None:
    text = "mày ngu thế " * 90_000  # ~1 MB
    [result] = _detect([text], tiny_loader, max_text_chars=5_000)
    assert result.truncated and "5000" in result.note
    assert all(s.end <= 5_000 for s in result.spans)


def test_batches_keep_order(tiny_loader: ModelLoader) -> None:
    texts = ["mày ngu thế", "", "hôm nay trời đẹp quá mọi người ơi"] * 5
    results = _detect(texts, tiny_loader, detect_batch_size=4)
    assert [r.status for r in results] == ["ok", "empty", "ok"] * 5
    assert [r.label for r in results[:3]] == ["OFFENSIVE", None, "CLEAN"]


def test_missing_model_is_a_clear_unavailable(tmp_path: Path) -> None:
    loader = ModelLoader(DetectorSettings(artifact_dir=tmp_path / "none"))
    with pytest.raises(ArtifactUnavailable, match="No active version"):
        detect_texts(["xin chào"], loader=loader)


def test_tampered_model_is_refused_by_the_service(tiny_loader: ModelLoader) -> None:
    path = tiny_loader.registry.root / "toxicity" / "v1" / MODEL_FILE
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(ArtifactUnavailable):
        detect_texts(["xin chào"], loader=tiny_loader)


def _post(session: Session, text: str, n: int, title: str | None = None) -> Post:
    post = Post(
        url=f"https://example.vn/{n}",
        canonical_url=f"https://example.vn/{n}",
        source_name="test",
        text=text,
        title=title,
        content_hash=f"{n:064d}",
    )
    session.add(post)
    session.commit()
    session.refresh(post)
    return post


def test_detect_posts_stores_one_detection_per_post(
    session: Session, tiny_loader: ModelLoader
) -> None:
    toxic = _post(session, "mày ngu thế", 1)
    clean = _post(session, "mọi người ơi", 2, title="hôm nay trời đẹp quá")
    assert toxic.id is not None and clean.id is not None
    stored = detect_posts(session=session, post_ids=[toxic.id, clean.id], loader=tiny_loader)
    assert [d.post_id for d in stored] == [toxic.id, clean.id]
    rows = session.exec(select(Detection).order_by(Detection.id)).all()  # type: ignore[arg-type]
    assert len(rows) == 2
    assert rows[0].toxicity_label == "OFFENSIVE" and rows[0].spans
    assert rows[0].model_version == "v1+spans-v1" and rows[0].explanation
    assert rows[1].toxicity_label == "CLEAN" and rows[1].spans == []
    assert set(rows[1].toxicity_probs) == {"CLEAN", "OFFENSIVE", "HATE"}


def test_detect_posts_unknown_id_stores_nothing(session: Session, tiny_loader: ModelLoader) -> None:
    post = _post(session, "mày ngu thế", 3)
    assert post.id is not None
    with pytest.raises(InvalidInput, match="No posts"):
        detect_posts(session=session, post_ids=[post.id, 999_999], loader=tiny_loader)
    assert session.exec(select(Detection)).all() == []
