"""Model registry: versioned artifacts on disk, saved with skops, each with a manifest and a
model card; one active version per model name; a loader that follows activation without a
restart.

Layout (``artifact_dir`` from :class:`DetectorSettings`)::

    <artifact_dir>/<name>/ACTIVE.txt              the active version (one line)
    <artifact_dir>/<name>/<version>/model.skops   the estimator (skops zip, never pickle)
    <artifact_dir>/<name>/<version>/manifest.json sha256, metrics, params, data, date
    <artifact_dir>/<name>/<version>/README.md     the model card

Loading is refused, with a clear :class:`ArtifactUnavailable`, when the file is missing, its
sha256 differs from the manifest (tampered or corrupted), or it contains a type outside the
code-level allow-list of its model name (skops would otherwise build it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import skops.io as sio

from detector.settings import DetectorSettings
from models.errors import InvalidInput, NotFound, Unavailable

MODEL_FILE = "model.skops"
MANIFEST = "manifest.json"
CARD = "README.md"
ACTIVE = "ACTIVE.txt"  # .txt: shipped as package data
_SAFE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_SAFE_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ArtifactUnavailable(Unavailable):
    """A model artifact is missing, corrupted, tampered with or of an unexpected type."""


@dataclass(frozen=True)
class ModelSpec:
    """How one model name is trained and evaluated, and which types its artifact may hold.

    ``train(data_dir, **options)`` returns a :class:`TrainResult`; ``evaluate(model, data_dir,
    split)`` returns a flat dict of metrics. Other packages register their own names with
    :func:`register`.
    """

    name: str
    description: str
    train: Callable[..., TrainResult]
    evaluate: Callable[[Any, Path, str], dict[str, Any]]
    trusted_types: frozenset[str]


@dataclass
class TrainResult:
    model: Any
    metrics: dict[str, Any]
    params: dict[str, Any]
    data: list[dict[str, str]]  # [{"name", "split", "terms"}]
    notes: str = ""
    extra_types: frozenset[str] = field(default_factory=frozenset)


SPECS: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> None:
    SPECS[spec.name] = spec


def spec_for(name: str) -> ModelSpec:
    _ensure_builtin_specs()
    try:
        return SPECS[name]
    except KeyError:
        raise NotFound(
            f"Không có mô hình tên '{name}'. Các tên hợp lệ: {', '.join(sorted(SPECS))}.",
            f"No model named '{name}'. Known names: {', '.join(sorted(SPECS))}.",
            name=name,
        ) from None


def _ensure_builtin_specs() -> None:
    # Imported lazily: the trainers pull in scikit-learn pipelines the loader does not need.
    if "toxicity" not in SPECS:
        from detector import training

        training.register_builtin()


def _check_name(name: str) -> None:
    if not _SAFE_NAME.match(name):
        raise InvalidInput(
            "Tên mô hình không hợp lệ.", "Invalid model name.", field="name", value=name
        )


def _check_version(version: str) -> None:
    if not _SAFE_VERSION.match(version):
        raise InvalidInput(
            "Phiên bản mô hình không hợp lệ.", "Invalid model version.", field="version"
        )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class VersionInfo:
    name: str
    version: str
    path: Path
    manifest: dict[str, Any]
    active: bool


class Registry:
    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.settings = settings or DetectorSettings()

    @property
    def root(self) -> Path:
        return self.settings.artifact_dir

    # -- writing ----------------------------------------------------------------------------
    def save(
        self,
        name: str,
        result: TrainResult,
        *,
        version: str | None = None,
        activate: bool = True,
    ) -> VersionInfo:
        _check_name(name)
        version = version or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        _check_version(version)
        target = self.root / name / version
        if target.exists():
            raise InvalidInput(
                f"Phiên bản {version} của '{name}' đã tồn tại.",
                f"Version {version} of '{name}' already exists.",
                field="version",
            )
        target.mkdir(parents=True)
        manifest: dict[str, Any] = {
            "name": name,
            "version": version,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if hasattr(result.model, "save_artifact"):
            # A backend with its own safe format (transformers: safetensors + tokenizer
            # files): every file's sha256 is recorded and checked before loading.
            files = result.model.save_artifact(target)
            manifest["backend"] = "transformers"
            manifest["files"] = {f: sha256_file(target / f) for f in files}
            manifest["sha256"] = hashlib.sha256(
                json.dumps(manifest["files"], sort_keys=True).encode()
            ).hexdigest()
            manifest["size_bytes"] = sum((target / f).stat().st_size for f in files)
        else:
            model_path = target / MODEL_FILE
            sio.dump(result.model, model_path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
            manifest["sha256"] = sha256_file(model_path)
            manifest["size_bytes"] = model_path.stat().st_size
            manifest["types"] = sorted(sio.get_untrusted_types(file=model_path))
        manifest |= {
            "params": result.params,
            "metrics": result.metrics,
            "data": result.data,
            "notes": result.notes,
        }
        (target / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        (target / CARD).write_text(model_card(manifest), encoding="utf-8")
        if activate:
            self.activate(name, version)
        return self.info(name, version)

    def activate(self, name: str, version: str) -> VersionInfo:
        _check_name(name)
        _check_version(version)
        info = self.info(name, version)
        self.verify(info)
        pointer = self.root / name / ACTIVE
        tmp = pointer.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(version + "\n", encoding="utf-8")
        os.replace(tmp, pointer)  # atomic: a reader sees the old or the new version
        return self.info(name, version)

    # -- reading ----------------------------------------------------------------------------
    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and _SAFE_NAME.match(p.name)
        )

    def active_version(self, name: str) -> str | None:
        pointer = self.root / name / ACTIVE
        try:
            version = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return version or None

    def versions(self, name: str) -> list[VersionInfo]:
        folder = self.root / name
        if not folder.is_dir():
            return []
        active = self.active_version(name)
        out = []
        for p in sorted(folder.iterdir()):
            if p.is_dir() and (p / MANIFEST).is_file():
                out.append(self._info_from(name, p.name, p, active))
        return out

    def _info_from(self, name: str, version: str, path: Path, active: str | None) -> VersionInfo:
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ArtifactUnavailable(
                f"Tệp mô tả của mô hình {name} {version} bị thiếu hoặc hỏng.",
                f"The manifest of model {name} {version} is missing or unreadable: {exc}",
                name=name,
                version=version,
            ) from None
        return VersionInfo(name, version, path, manifest, version == active)

    def info(self, name: str, version: str) -> VersionInfo:
        _check_name(name)
        _check_version(version)
        path = self.root / name / version
        if not path.is_dir():
            raise ArtifactUnavailable(
                f"Không tìm thấy mô hình {name} phiên bản {version} trong {self.root}.",
                f"Model {name} version {version} not found in {self.root}.",
                name=name,
                version=version,
            )
        return self._info_from(name, version, path, self.active_version(name))

    def verify(self, info: VersionInfo) -> Path:
        """Check the artifact exists, matches its recorded sha256 and holds only allowed
        types; return its path."""
        label = f"{info.name} {info.version}"
        if info.manifest.get("backend") == "transformers":
            return self._verify_files(info, label)
        model_path = info.path / MODEL_FILE
        if not model_path.is_file():
            raise ArtifactUnavailable(
                f"Thiếu tệp mô hình {label} ({model_path}).",
                f"The model file of {label} is missing ({model_path}).",
                name=info.name,
                version=info.version,
            )
        expected = info.manifest.get("sha256")
        actual = sha256_file(model_path)
        if not expected or actual != expected:
            raise ArtifactUnavailable(
                f"Tệp mô hình {label} đã bị thay đổi hoặc hỏng (sha256 không khớp); từ chối nạp.",
                f"The model file of {label} was altered or is corrupted (sha256 mismatch); "
                "refusing to load it.",
                name=info.name,
                version=info.version,
            )
        allowed = self._trusted_types(info.name)
        try:
            found = set(sio.get_untrusted_types(file=model_path))
        except Exception as exc:  # skops raises many kinds on a broken zip
            raise ArtifactUnavailable(
                f"Tệp mô hình {label} không đọc được.",
                f"The model file of {label} cannot be read: {exc}",
                name=info.name,
                version=info.version,
            ) from None
        unexpected = sorted(found - allowed)
        if unexpected:
            raise ArtifactUnavailable(
                f"Tệp mô hình {label} chứa kiểu dữ liệu không được phép: {', '.join(unexpected)}.",
                f"The model file of {label} holds types that are not allowed: "
                f"{', '.join(unexpected)}.",
                name=info.name,
                version=info.version,
            )
        return model_path

    def _verify_files(self, info: VersionInfo, label: str) -> Path:
        files = info.manifest.get("files") or {}
        for rel, expected in files.items():
            path = (info.path / rel).resolve()
            if info.path.resolve() not in path.parents or not path.is_file():
                raise ArtifactUnavailable(
                    f"Thiếu tệp {rel} của mô hình {label}.",
                    f"The file {rel} of model {label} is missing.",
                    name=info.name,
                    version=info.version,
                )
            if sha256_file(path) != expected:
                raise ArtifactUnavailable(
                    f"Tệp {rel} của mô hình {label} đã bị thay đổi hoặc hỏng; từ chối nạp.",
                    f"The file {rel} of model {label} was altered or is corrupted (sha256 "
                    "mismatch); refusing to load it.",
                    name=info.name,
                    version=info.version,
                )
        if not files:
            raise ArtifactUnavailable(
                f"Mô hình {label} không có tệp nào.",
                f"Model {label} lists no files.",
                name=info.name,
                version=info.version,
            )
        return info.path

    def _trusted_types(self, name: str) -> frozenset[str]:
        _ensure_builtin_specs()
        spec = SPECS.get(name)
        return spec.trusted_types if spec else frozenset()

    def load(self, name: str, version: str | None = None) -> tuple[str, Any]:
        """Load ``version`` (default: the active one) after verifying it."""
        _check_name(name)
        version = version or self.active_version(name)
        if version is None:
            raise ArtifactUnavailable(
                f"Chưa có phiên bản nào của mô hình '{name}' được kích hoạt trong {self.root}.",
                f"No active version of model '{name}' in {self.root}.",
                name=name,
            )
        info = self.info(name, version)
        model_path = self.verify(info)
        try:
            if info.manifest.get("backend") == "transformers":
                from detector.transformers_backend import TransformersClassifier

                model = TransformersClassifier.load_artifact(model_path, info.manifest["params"])
            else:
                model = sio.load(model_path, trusted=sorted(self._trusted_types(name)))
        except Unavailable:
            raise
        except Exception as exc:
            raise ArtifactUnavailable(
                f"Không nạp được mô hình {name} {version}.",
                f"Could not load model {name} {version}: {exc}",
                name=name,
                version=version,
            ) from None
        return version, model


def model_card(manifest: dict[str, Any]) -> str:
    """A human-readable model card (Markdown) from the manifest."""
    lines = [
        f"# Model card: {manifest['name']} {manifest['version']}",
        "",
        f"- Created: {manifest['created_at']}",
        f"- Artifact: `{MODEL_FILE}` ({manifest['size_bytes'] / 1e6:.2f} MB), "
        f"sha256 `{manifest['sha256']}`",
        "- Persistence: skops (loaded only after the sha256 and type allow-list checks)",
        "",
        "## Data and terms",
        "",
    ]
    for d in manifest.get("data", []):
        lines.append(f"- {d.get('name')} ({d.get('split')}): {d.get('terms')}")
    lines += ["", "## Parameters", "", "```json", json.dumps(manifest["params"], indent=2)]
    lines += ["```", "", "## Metrics (dev splits; test splits are held back)", ""]
    lines += ["```json", json.dumps(manifest["metrics"], indent=2, ensure_ascii=False), "```", ""]
    if manifest.get("notes"):
        lines += ["## Notes", "", manifest["notes"], ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class LoadedModel:
    name: str
    version: str
    model: Any


class ModelLoader:
    """Hands out the active version of each model, loading each version once. A running
    service picks up ``vigil model activate`` from another process: the pointer file's mtime
    is checked at most every ``registry_check_interval`` seconds."""

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.registry = Registry(settings)
        self._lock = threading.Lock()
        self._current: dict[str, LoadedModel] = {}
        self._checked: dict[str, tuple[float, float]] = {}  # name -> (when checked, mtime)

    def get(self, name: str) -> LoadedModel:
        now = time.monotonic()
        interval = self.registry.settings.registry_check_interval
        with self._lock:
            current = self._current.get(name)
            checked = self._checked.get(name)
            if current is not None and checked is not None and now - checked[0] < interval:
                return current
            pointer = self.registry.root / name / ACTIVE
            try:
                mtime = pointer.stat().st_mtime
            except FileNotFoundError:
                mtime = -1.0
            if current is not None and checked is not None and mtime == checked[1]:
                self._checked[name] = (now, mtime)
                return current
            version, model = self.registry.load(name)
            if current is None or current.version != version:
                current = LoadedModel(name, version, model)
                self._current[name] = current
            self._checked[name] = (now, mtime)
            return current

    def clear(self) -> None:
        with self._lock:
            self._current.clear()
            self._checked.clear()
