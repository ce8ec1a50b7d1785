"""Loading the misinformation models through the detector's model registry.

The artifacts are versioned by :mod:`detector.registry` (``<artifact_dir>/<name>/ACTIVE``
and ``<version>/model.skops`` with manifest and model card); this module registers their specs
(so the registry knows which types their files may hold) and keeps one loader per process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from detector import registry

MATCH_MODEL = "claim_matcher"


@lru_cache(maxsize=1)
def _loader() -> registry.ModelLoader:
    from detector.claims.specs import register_all

    register_all()
    return registry.ModelLoader()


def load_latest(name: str) -> tuple[Any, str]:
    """The active version of model ``name`` and its version (ArtifactUnavailable if none)."""
    loaded = _loader().get(name)
    return loaded.model, loaded.version


def load_match_model() -> Any:
    return load_latest(MATCH_MODEL)[0]
