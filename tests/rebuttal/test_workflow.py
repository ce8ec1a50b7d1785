"""The transition table: every pair of states, the roles of every move, notes, versions."""

import itertools
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from models.cases import Case, CaseEvent
from models.enums import CaseState, Role
from models.errors import Conflict, InvalidInput, PreconditionFailed
from rebuttal.actors import Actor
from rebuttal.workflow import (
    TRANSITIONS,
    CaseChanged,
    CasePreconditionFailed,
    Expected,
    InvalidTransition,
    TransitionForbidden,
    transition,
)
from tests.rebuttal.conftest import add_case, add_user

PAIRS = list(itertools.product(CaseState, CaseState))


def events_of(session: Session, case_id: int | None) -> list[CaseEvent]:
    return list(session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)).all())


def test_every_pair_of_states(session: Session, actor: Callable[[Role], Actor]) -> None:
    """All 64 (from, to) pairs: allowed moves happen and are audited, the rest change nothing."""
    admin = actor(Role.admin)
    allowed_seen = 0
    for source, target in PAIRS:
        case = add_case(session, source)
        move = TRANSITIONS.get((source, target))
        if move is None:
            with pytest.raises(InvalidTransition) as error:
                transition(session=session, case=case, to=target, actor=admin, note="lý do")
            assert error.value.details["from_state"] == source.value
            session.refresh(case)
            assert (case.state, case.version) == (source, 1), (source, target)
            assert events_of(session, case.id) == [], (source, target)
            continue
        allowed_seen += 1
        if move.via is not None:
            # Workflow-only moves are refused when asked for directly.
            with pytest.raises(InvalidTransition):
                transition(session=session, case=case, to=target, actor=admin, note="lý do")
            assert case.state == source
        transition(session=session, case=case, to=target, actor=admin, note="lý do", via=move.via)
        session.refresh(case)
        assert (case.state, case.version) == (target, 2), (source, target)
        [event] = events_of(session, case.id)
        assert (event.from_state, event.to_state, event.actor_id, event.note) == (
            source.value,
            target.value,
            admin.user_id,
            "lý do",
        )
    assert allowed_seen == len(TRANSITIONS)


def test_roles_of_every_move(session: Session, actor: Callable[[Role], Actor]) -> None:
    """Each allowed move for each non-admin role: done if the table names the role, else 403."""
    user_id = actor(Role.admin).user_id
    for (source, target), move in TRANSITIONS.items():
        for role in Role:
            case = add_case(session, source)
            who = Actor(user_id=user_id, role=role, username=role.value)
            if role == Role.admin or role in move.roles:
                transition(
                    session=session, case=case, to=target, actor=who, note="ok", via=move.via
                )
                assert case.state == target, (source, target, role)
            else:
                with pytest.raises(TransitionForbidden):
                    transition(
                        session=session, case=case, to=target, actor=who, note="ok", via=move.via
                    )
                session.refresh(case)
                assert case.state == source and events_of(session, case.id) == []


def test_moves_that_need_a_reason(session: Session, actor: Callable[[Role], Actor]) -> None:
    monitor = actor(Role.monitor)
    case = add_case(session, CaseState.new)
    with pytest.raises(InvalidInput) as error:
        transition(session=session, case=case, to=CaseState.dismissed, actor=monitor, note="  ")
    assert error.value.details["field"] == "note"
    assert case.version == 1
    transition(session=session, case=case, to=CaseState.dismissed, actor=monitor, note="Trùng")
    assert case.dismiss_reason == "Trùng"
    transition(session=session, case=case, to=CaseState.reopened, actor=monitor, note="Lan lại")
    assert case.dismiss_reason is None


def test_starting_work_takes_an_unassigned_case(
    session: Session, actor: Callable[[Role], Actor]
) -> None:
    editor = actor(Role.editor)
    case = add_case(session, CaseState.triaged)
    transition(session=session, case=case, to=CaseState.in_progress, actor=editor)
    assert case.assignee_id == editor.user_id


def test_stale_version_is_refused(session: Session, actor: Callable[[Role], Actor]) -> None:
    monitor = actor(Role.monitor)
    case = add_case(session, CaseState.new)
    with pytest.raises(CaseChanged) as body_error:
        transition(
            session=session, case=case, to=CaseState.triaged, actor=monitor, expected=Expected(7)
        )
    assert isinstance(body_error.value, Conflict)
    with pytest.raises(CasePreconditionFailed) as header_error:
        transition(
            session=session,
            case=case,
            to=CaseState.triaged,
            actor=monitor,
            expected=Expected(7, from_header=True),
        )
    assert isinstance(header_error.value, PreconditionFailed)
    assert header_error.value.details["current_version"] == 1
    transition(
        session=session, case=case, to=CaseState.triaged, actor=monitor, expected=Expected(1)
    )
    assert case.version == 2


def test_two_concurrent_edits_one_wins(engine: Engine, make_case: Callable[..., Case]) -> None:
    """Two staff members read version 1 and write at the same moment in two transactions."""
    if engine.dialect.name != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    with Session(engine) as setup:
        users = [add_user(setup, Role.monitor), add_user(setup, Role.monitor)]
        monitors = [Actor(user_id=u.id, role=Role.monitor) for u in users]
        setup.commit()
    case_id = make_case(CaseState.new).id
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def edit(index: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            case = session.get(Case, case_id)
            assert case is not None and case.version == 1
            barrier.wait()
            try:
                target = CaseState.triaged if index == 0 else CaseState.dismissed
                transition(
                    session=session,
                    case=case,
                    to=target,
                    actor=monitors[index],
                    note=f"by {index}",
                    expected=Expected(1),
                )
                session.commit()
                outcomes[index] = "ok"
            except Conflict:
                session.rollback()
                outcomes[index] = "conflict"

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict", "ok"]
    winner = next(i for i, o in outcomes.items() if o == "ok")
    with Session(engine) as session:
        case = session.get(Case, case_id)
        assert case is not None and case.version == 2
        assert case.state == (CaseState.triaged if winner == 0 else CaseState.dismissed)
        [event] = events_of(session, case_id)
        assert event.note == f"by {winner}"


def test_queue_indexes_cover_exactly_the_open_states() -> None:
    import re

    from models.cases import OPEN_CASES_SQL
    from rebuttal.workflow import OPEN_STATES

    assert set(re.findall(r"'(\w+)'", OPEN_CASES_SQL)) == {s.value for s in OPEN_STATES}


def test_two_concurrent_title_edits_with_if_match(
    engine: Engine, make_case: Callable[..., Case]
) -> None:
    """The same race through If-Match: the loser gets 412, the winner's title stays."""
    if engine.dialect.name != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    from rebuttal import cases as cases_service
    from rebuttal.schemas import CaseUpdate

    with Session(engine) as setup:
        users = [add_user(setup, Role.monitor), add_user(setup, Role.monitor)]
        monitors = [Actor(user_id=u.id, role=Role.monitor, username=u.username) for u in users]
        setup.commit()
    case_id = make_case(CaseState.new).id
    assert case_id is not None
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def edit(index: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            cases_service.get(session=session, case_id=case_id)
            barrier.wait()
            try:
                cases_service.update(
                    session=session,
                    case_id=case_id,
                    case_in=CaseUpdate(title=f"Tiêu đề của người {index}"),
                    actor=monitors[index],
                    expected=Expected(1, from_header=True),
                )
                session.commit()
                outcomes[index] = "ok"
            except PreconditionFailed:
                session.rollback()
                outcomes[index] = "412"

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["412", "ok"]
    winner = next(i for i, o in outcomes.items() if o == "ok")
    with Session(engine) as session:
        case = session.get(Case, case_id)
        assert case is not None and case.version == 2
        assert case.title == f"Tiêu đề của người {winner}"
        [event] = events_of(session, case_id)
        assert event.kind == "updated" and event.actor_id == monitors[winner].user_id
