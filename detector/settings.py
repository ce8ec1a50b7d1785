from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
# The shared datasets live beside the repository folder (../shared/datasets).
DEFAULT_DATASETS_DIR = PACKAGE_DIR.parent.parent / "shared" / "datasets"


class DetectorSettings(BaseSettings):
    """Where models live and how much text one detection reads."""

    model_config = SettingsConfigDict(env_prefix="VIGIL_", env_file=".env", extra="ignore")

    # Default: the artifacts shipped inside the package, so a fresh clone has a working model.
    artifact_dir: Path = PACKAGE_DIR / "artifacts"
    datasets_dir: Path = DEFAULT_DATASETS_DIR
    # Longer texts are cut (and the Detection says so): comments are short, and a 1 MB post
    # must not stall a batch.
    max_text_chars: int = 10_000
    detect_batch_size: int = 256
    # How often (seconds) a running service re-reads the active-version pointer.
    registry_check_interval: float = 2.0
    # Optional sentence-embedding reranking of claim matches (detector/claims/embeddings.py):
    # the folder of a local checkpoint; unset, claims are matched on character n-grams alone.
    claim_embeddings_path: Path | None = None
    claim_embeddings_weight: float = Field(0.3, ge=0.0, le=1.0)
    claim_embeddings_suggest: float = Field(0.75, ge=-1.0, le=1.0)
