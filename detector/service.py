"""Detection: run the active toxicity and span models over texts in batches, and store one
Detection per post. Pure functions here; the jobs wiring calls :func:`detect_posts` outside
the web workers, and ``POST /detect`` calls :func:`detect_texts` for one ad-hoc text."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from detector.normalize import Token, join_tokens, tokens
from detector.registry import ModelLoader
from detector.settings import DetectorSettings
from models.detections import Detection
from models.errors import InvalidInput
from models.posts import Post

TOXICITY = "toxicity"
SPANS = "spans"

Status = Literal["ok", "empty", "emoji_only", "junk"]

# A text where more than this share of characters is control characters, U+FFFD or private
# use is binary junk (a mis-decoded file), not writing: it gets no verdict.
_JUNK_SHARE = 0.2


class SpanPublic(BaseModel):
    start: int = Field(description="Offset of the first character in the original text")
    end: int = Field(description="Offset after the last character (exclusive)")
    text: str
    score: float


class ExplanationItem(BaseModel):
    ngram: str = Field(description="w: word n-gram, c: char n-gram, ~ = diacritics stripped")
    weight: float


class DetectionPublic(BaseModel):
    """One text's verdict."""

    status: Status = Field(
        description="ok; empty (no text); emoji_only (no words, verdict from emoji alone); "
        "junk (binary or control characters: no verdict)"
    )
    label: Literal["CLEAN", "OFFENSIVE", "HATE"] | None
    probabilities: dict[str, float] = Field(default_factory=dict)
    toxic_probability: float | None = Field(
        default=None, description="Probability from the toxic/not-toxic head (ViCTSD)"
    )
    spans: list[SpanPublic] = Field(default_factory=list)
    explanation: list[ExplanationItem] = Field(default_factory=list)
    model_name: str
    model_version: str
    truncated: bool = False
    note: str = ""


def _is_junk(text: str) -> bool:
    bad = sum(
        1
        for c in text
        if c == "\ufffd" or (unicodedata.category(c) in ("Cc", "Co", "Cs") and c not in "\n\r\t")
    )
    return bad > _JUNK_SHARE * len(text)


def _status(text: str, toks: list[Token]) -> tuple[Status, str]:
    if not text.strip():
        return "empty", "Văn bản rỗng: không có gì để đánh giá. / Empty text."
    if _is_junk(text):
        return "junk", "Dữ liệu nhị phân hoặc ký tự điều khiển: không đánh giá. / Binary junk."
    kinds = {t.kind for t in toks}
    if "word" not in kinds:
        if kinds & {"emoji", "emoticon"}:
            return "emoji_only", "Chỉ có biểu tượng cảm xúc. / Emoji only."
        return "empty", "Không có chữ nào. / No words."
    return "ok", ""


def detect_texts(
    texts: Sequence[str],
    *,
    loader: ModelLoader | None = None,
    settings: DetectorSettings | None = None,
) -> list[DetectionPublic]:
    """Classify texts in batches; never raises for bad text (it is marked in ``status``)
    but raises ArtifactUnavailable when no usable model is installed."""
    settings = settings or DetectorSettings()
    loader = loader or default_loader()
    tox = loader.get(TOXICITY)
    spans_model = loader.get(SPANS)
    version = f"{tox.version}+spans-{spans_model.version}"
    out: list[DetectionPublic] = []
    batch = max(1, settings.detect_batch_size)
    for start in range(0, len(texts), batch):
        out.extend(
            _detect_batch(
                texts[start : start + batch], tox.model, spans_model.model, version, settings
            )
        )
    return out


def _detect_batch(
    texts: Sequence[str], tox: Any, spans_model: Any, version: str, settings: DetectorSettings
) -> list[DetectionPublic]:
    limit = settings.max_text_chars
    cut = [t[:limit] if isinstance(t, str) else "" for t in texts]
    # One tokenisation per text serves both the status check and the normalised form.
    toks = [tokens(unicodedata.normalize("NFC", t)) for t in cut]
    statuses = [_status(t, k) for t, k in zip(cut, toks, strict=True)]
    todo = [i for i, (status, _) in enumerate(statuses) if status in ("ok", "emoji_only")]
    results: dict[int, dict[str, Any]] = {}
    if todo:
        if hasattr(tox, "features_"):
            normalized = [join_tokens(toks[i]) for i in todo]
            features = tox.features_.transform_normalized(normalized)
            proba = tox.proba_from_features(features)
            labels = tox.label_from_proba(proba)
            toxic = tox.toxic_proba_from_features(features)
            explanations = tox.explain_features(features, labels)
        else:  # the transformers backend: no n-gram explanation, toxic = not CLEAN
            proba = tox.predict_proba([cut[i] for i in todo])
            labels = tox.label_from_proba(proba)
            clean = list(tox.classes_).index("CLEAN") if "CLEAN" in tox.classes_ else None
            toxic = None if clean is None else 1.0 - proba[:, clean]
            explanations = [[] for _ in todo]
        # Spans explain a toxic verdict; a post judged CLEAN has no offending words.
        flagged = [k for k, label in enumerate(labels) if label != "CLEAN"]
        found = spans_model.predict_spans([cut[todo[k]] for k in flagged]) if flagged else []
        spans_of = dict(zip(flagged, found, strict=True))
        for k, i in enumerate(todo):
            results[i] = {
                "label": str(labels[k]),
                "probabilities": {
                    str(c): round(float(p), 4) for c, p in zip(tox.classes_, proba[k], strict=True)
                },
                "toxic_probability": None if toxic is None else round(float(toxic[k]), 4),
                "spans": spans_of.get(k, []),
                "explanation": explanations[k],
            }
    out = []
    for i, original in enumerate(texts):
        status, note = statuses[i]
        truncated = isinstance(original, str) and len(original) > limit
        if truncated:
            extra = f"Văn bản bị cắt còn {limit} ký tự. / Text truncated to {limit} characters."
            note = f"{note} {extra}".strip()
        found = results.get(i, {})
        # model_construct: the values come from our own models, and validating 10,000
        # results a second costs a tenth of the detection time.
        out.append(
            DetectionPublic.model_construct(
                status=status,
                label=found.get("label"),
                probabilities=found.get("probabilities", {}),
                toxic_probability=found.get("toxic_probability"),
                spans=[SpanPublic.model_construct(**s) for s in found.get("spans", [])],
                explanation=[
                    ExplanationItem.model_construct(**e) for e in found.get("explanation", [])
                ],
                model_name=TOXICITY,
                model_version=version,
                truncated=truncated,
                note=note,
            )
        )
    return out


def post_text(post: Post) -> str:
    return f"{post.title}\n{post.text}" if post.title else post.text


def latest_detection(*, session: Session, post_id: int) -> Detection | None:
    """The post's newest Detection (the one analysis completes and routing reads)."""
    query = select(Detection).where(Detection.post_id == post_id)
    return session.exec(query.order_by(col(Detection.id).desc())).first()


def detect_posts(
    *,
    session: Session,
    post_ids: Sequence[int],
    loader: ModelLoader | None = None,
    settings: DetectorSettings | None = None,
) -> list[Detection]:
    """Detect the given posts and store one Detection each (in ``post_ids`` order; unknown ids
    are an error, so nothing is half-stored)."""
    ids = list(dict.fromkeys(post_ids))
    posts = {p.id: p for p in session.exec(select(Post).where(Post.id.in_(ids))).all()}  # type: ignore[union-attr]
    missing = [i for i in ids if i not in posts]
    if missing:
        raise InvalidInput(
            f"Không có bài viết với id {missing}.",
            f"No posts with ids {missing}.",
            field="post_ids",
        )
    results = detect_texts([post_text(posts[i]) for i in ids], loader=loader, settings=settings)
    detections = []
    for post_id, result in zip(ids, results, strict=True):
        detection = Detection(
            post_id=post_id,
            model_name=result.model_name,
            model_version=result.model_version[:100],
            toxicity_label=result.label,
            toxicity_probs=result.probabilities,
            spans=[s.model_dump() for s in result.spans],
            explanation=[e.model_dump() for e in result.explanation]
            + ([{"status": result.status, "note": result.note}] if result.status != "ok" else []),
            truncated=result.truncated,
        )
        session.add(detection)
        detections.append(detection)
    session.commit()
    for detection in detections:
        session.refresh(detection)
    return detections


_default: ModelLoader | None = None


def default_loader() -> ModelLoader:
    """The process-wide loader: each model version is loaded once and shared."""
    global _default
    if _default is None:
        _default = ModelLoader()
    return _default
