"""The misinformation artifacts shipped in detector/artifacts load through the registry
(sha256 and type allow-list checked) and behave."""

from detector.claims.matcher import ClaimMatcher
from detector.claims.specs import register_all
from detector.registry import ModelLoader, Registry
from detector.settings import PACKAGE_DIR, DetectorSettings
from tests.detector.claims_fixtures import TEST_CLAIMS

SHIPPED = DetectorSettings(artifact_dir=PACKAGE_DIR / "artifacts")


def test_shipped_versions_verify_and_stay_small() -> None:
    register_all()
    registry = Registry(SHIPPED)
    for name in ("claim_matcher", "unreliable"):
        version = registry.active_version(name)
        assert version is not None, f"no active {name} shipped"
        info = registry.info(name, version)
        assert registry.verify(info).stat().st_size <= 25_000_000
        assert (info.path / "README.md").is_file() and info.manifest["metrics"]


def test_shipped_models_behave() -> None:
    register_all()
    loader = ModelLoader(SHIPPED)
    matcher = ClaimMatcher(TEST_CLAIMS, loader.get("claim_matcher").model)
    spread = matcher.match("Nghe nói vé xe buýt Hà Nội sắp tăng gấp ba từ tháng 10, chịu sao nổi")
    assert spread.best is not None and spread.best.claim.id == 1
    assert spread.best.stance == "spreads"
    refute = matcher.match(
        "Sở GTVT bác bỏ tin vé xe buýt Hà Nội tăng gấp 3, đây là tin sai sự thật"
    )
    assert refute.auto_linked is None
    unreliable = loader.get("unreliable").model
    fake = unreliable.score_one({"text": "TIN NÓNG!!! Chia sẻ gấp trước khi bị xóa!!!"})
    real = unreliable.score_one({"text": "Sở Y tế thông báo lịch tiêm chủng định kỳ tháng 12."})
    assert 0 <= real < fake <= 1
