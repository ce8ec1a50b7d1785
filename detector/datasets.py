"""Readers for the shared research datasets (../shared/datasets, see its README)."""

from __future__ import annotations

import ast
import csv
import sys
from pathlib import Path

from models.errors import InvalidInput

csv.field_size_limit(sys.maxsize)

TOXICITY_LABELS = ("CLEAN", "OFFENSIVE", "HATE")
# Some datasets name their dev split "valid" (ViCTSD); ask for either and get what exists.
_SPLIT_ALIASES = {"dev": ("dev", "valid"), "valid": ("valid", "dev")}

TERMS = {
    "vihsd": "ViHSD (Luu et al. 2021, github sonlam1102/vihsd): research use",
    "victsd": "UIT-ViCTSD (github tarudesu/ViCTSD): research use",
    "vihos": "ViHOS (EACL 2023, github phusroyal/ViHOS): MIT",
    "vilexnorm": "ViLexNorm (github ngxtnhi/ViLexNorm): CC BY-NC-SA 4.0 (teencode map)",
}


def split_path(data_dir: Path, dataset: str, split: str) -> Path | None:
    for name in _SPLIT_ALIASES.get(split, (split,)):
        path = data_dir / dataset / f"{name}.csv"
        if path.is_file():
            return path
    return None


def require_split(data_dir: Path, dataset: str, split: str) -> Path:
    path = split_path(data_dir, dataset, split)
    if path is None:
        raise InvalidInput(
            f"Không tìm thấy {data_dir / dataset / (split + '.csv')}.",
            f"{data_dir / dataset / (split + '.csv')} not found.",
            field="data",
        )
    return path


def _rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(
                f"{path} thiếu cột {', '.join(missing)}.",
                f"{path} lacks the column(s) {', '.join(missing)}.",
                field="data",
            )
        return list(reader)


def read_vihsd(path: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for row in _rows(path, ("free_text", "label_id")):
        try:
            labels.append(TOXICITY_LABELS[int(row["label_id"])])
        except (ValueError, IndexError):
            continue  # a malformed label row teaches nothing
        texts.append(row["free_text"] or "")
    return texts, labels


def read_victsd(path: Path) -> tuple[list[str], list[int]]:
    texts, labels = [], []
    for row in _rows(path, ("Comment", "Toxicity")):
        try:
            labels.append(int(row["Toxicity"]))
        except ValueError:
            continue
        texts.append(row["Comment"] or "")
    return texts, labels


def read_vihos(path: Path) -> tuple[list[str], list[list[int]]]:
    texts, spans = [], []
    for row in _rows(path, ("content", "index_spans")):
        try:
            offsets = ast.literal_eval(row["index_spans"] or "[]")
        except (ValueError, SyntaxError):
            continue
        if not isinstance(offsets, list) or not all(isinstance(i, int) for i in offsets):
            continue
        texts.append(row["content"] or "")
        spans.append(offsets)
    return texts, spans
