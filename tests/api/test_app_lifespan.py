"""The served app freezes what it built at start, so the collector stops walking it."""

import gc
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.settings import ApiSettings
from models.settings import CoreSettings


def test_a_served_app_freezes_its_startup_objects(
    engine: Engine, api_settings: ApiSettings, tmp_path: Path
) -> None:
    settings = api_settings.model_copy(update={"env": "development"})
    app = create_app(settings=settings, core=CoreSettings(data_dir=tmp_path), engine=engine)
    gc.unfreeze()
    try:
        with TestClient(app) as client:
            assert gc.get_freeze_count() > 0
            assert client.get("/healthz").status_code == 200
    finally:
        gc.unfreeze()


def test_test_apps_do_not_freeze(client: TestClient) -> None:
    # The client fixture has run the app's start-up (env "test").
    assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() == 0
