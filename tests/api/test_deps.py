"""The per-request session: a handler's writes are committed before the client is told they
succeeded, and rolled back when the handler or the commit fails."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from api.deps import SessionDep
from models.errors import InvalidInput
from models.partners import Partner


def stored_partners(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [p.name for p in session.exec(select(Partner)).all()]


def test_a_commit_that_fails_is_an_error_not_a_success(app: FastAPI, engine: Engine) -> None:
    @app.post("/_test/commit-fails", status_code=201)
    def write(session: SessionDep) -> dict[str, bool]:
        session.add(Partner(name="Báo Thử Nghiệm"))
        session.flush()

        def refuse() -> None:  # as a serialization failure or a full disk would at COMMIT
            raise OperationalError("COMMIT", {}, Exception("could not serialize access"))

        session.commit = refuse  # type: ignore[method-assign]
        return {"ok": True}

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/_test/commit-fails")

    assert response.status_code == 500
    assert stored_partners(engine) == []


def test_a_handler_error_rolls_back_its_writes(app: FastAPI, engine: Engine) -> None:
    @app.post("/_test/handler-fails")
    def write(session: SessionDep) -> None:
        session.add(Partner(name="Báo Thử Nghiệm"))
        session.flush()
        raise InvalidInput("Sai.", "Wrong.")

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/_test/handler-fails").status_code == 422
    assert stored_partners(engine) == []


def test_a_write_is_committed_when_the_response_arrives(app: FastAPI, engine: Engine) -> None:
    @app.post("/_test/write", status_code=201)
    def write(session: SessionDep) -> dict[str, bool]:
        session.add(Partner(name="Báo Thử Nghiệm"))
        return {"ok": True}

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/_test/write").status_code == 201
        assert stored_partners(engine) == ["Báo Thử Nghiệm"]
