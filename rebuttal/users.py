"""Staff and partner user accounts."""

from collections.abc import Sequence

from sqlmodel import Session, select

from models.enums import Role
from models.errors import AlreadyExists, InvalidInput, NotFound
from models.partners import Partner
from models.users import User, UserCreate
from rebuttal.passwords import hash_password, verify_password


class UserExists(AlreadyExists):
    code = "user_exists"


class UserNotFound(NotFound):
    code = "user_not_found"


def get(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFound(f"Không tìm thấy người dùng #{user_id}.", f"User #{user_id} not found.")
    return user


def get_by_username(*, session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def list(*, session: Session) -> Sequence[User]:  # house rule: services named get/list/create
    return session.exec(select(User).order_by(User.username)).all()


def create(*, session: Session, user_in: UserCreate) -> User:
    if get_by_username(session=session, username=user_in.username) is not None:
        raise UserExists(
            f"Tên đăng nhập «{user_in.username}» đã được dùng.",
            f"The username '{user_in.username}' is taken.",
            field="username",
        )
    if user_in.role == Role.partner:
        if user_in.partner_id is None or session.get(Partner, user_in.partner_id) is None:
            raise InvalidInput(
                "Tài khoản đối tác phải gắn với một đối tác có thật.",
                "A partner account must belong to an existing partner.",
                field="partner_id",
            )
    elif user_in.partner_id is not None:
        raise InvalidInput(
            "Chỉ tài khoản đối tác mới gắn với đối tác.",
            "Only partner accounts belong to a partner.",
            field="partner_id",
        )
    user = User(
        username=user_in.username,
        full_name=user_in.full_name,
        role=user_in.role,
        partner_id=user_in.partner_id,
        locale=user_in.locale,
        password_hash=hash_password(user_in.password),
    )
    session.add(user)
    session.flush()
    return user


def may_act(*, session: Session, user: User | None) -> bool:
    """An account acts only while it is active and, for a partner's user, its partner is too
    (suspending a partner shuts out its people as well as its API keys)."""
    if user is None or not user.is_active:
        return False
    if user.partner_id is None:
        return True
    partner = session.get(Partner, user.partner_id)
    return partner is not None and partner.active


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    user = get_by_username(session=session, username=username)
    if user is None or not may_act(session=session, user=user):
        # Hash anyway so a missing user and a wrong password take the same time.
        verify_password(password, _DUMMY_HASH)
        return None
    return user if verify_password(password, user.password_hash) else None


_DUMMY_HASH = hash_password("not-a-real-password")
