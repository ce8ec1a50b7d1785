"""Press partners and their API keys (hashed, shown once, revocable)."""

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Sequence

from sqlmodel import Session, col, select

from models.errors import AlreadyExists, InvalidInput, NotFound
from models.partners import Partner, PartnerKey
from models.types import utcnow

KEY_PREFIX = "vgl_"
# One address, the shape every mail system accepts (the mailbox itself is not checked).
_EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]+")


class PartnerNotFound(NotFound):
    code = "partner_not_found"


class PartnerExists(AlreadyExists):
    code = "partner_exists"


class PartnerKeyNotFound(NotFound):
    code = "partner_key_not_found"


def _email(value: str | None) -> str | None:
    """The contact address trimmed, or InvalidInput when it is not one address."""
    if value is None:
        return None
    value = value.strip()
    if not _EMAIL.fullmatch(value):
        raise InvalidInput(
            f"Email liên hệ không hợp lệ: «{value[:80]}».",
            f"The contact e-mail is not an address: '{value[:80]}'.",
            field="contact_email",
        )
    return value


def get(*, session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise PartnerNotFound(
            f"Không tìm thấy đối tác #{partner_id}.", f"Partner #{partner_id} not found."
        )
    return partner


def list(*, session: Session) -> Sequence[Partner]:  # house rule: services named get/list/create
    return session.exec(select(Partner).order_by(Partner.name)).all()


def create(
    *, session: Session, name: str, contact_email: str | None = None, topics: Sequence[str] = ()
) -> Partner:
    # NFC, so a name typed with combining marks is the same name, not a look-alike second one.
    name = unicodedata.normalize("NFC", name)
    contact_email = _email(contact_email)
    if session.exec(select(Partner).where(Partner.name == name)).first() is not None:
        raise PartnerExists(f"Đối tác «{name}» đã có.", f"Partner '{name}' already exists.")
    partner = Partner(name=name, contact_email=contact_email, topics=[*topics])
    session.add(partner)
    session.flush()
    return partner


def _hash_key(key: str) -> str:
    # Keys are 256-bit random strings, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(*, session: Session, partner_id: int, label: str = "") -> tuple[PartnerKey, str]:
    """Make a key; the plain key is returned once and never stored."""
    get(session=session, partner_id=partner_id)
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = PartnerKey(partner_id=partner_id, prefix=prefix, key_hash=_hash_key(key), label=label)
    session.add(row)
    session.flush()
    return row, key


def list_keys(*, session: Session, partner_id: int) -> Sequence[PartnerKey]:
    get(session=session, partner_id=partner_id)
    return session.exec(
        select(PartnerKey).where(PartnerKey.partner_id == partner_id).order_by(col(PartnerKey.id))
    ).all()


def revoke_key(*, session: Session, partner_id: int, key_id: int) -> PartnerKey:
    row = session.get(PartnerKey, key_id)
    if row is None or row.partner_id != partner_id:
        raise PartnerKeyNotFound(
            f"Không tìm thấy khoá #{key_id} của đối tác này.",
            f"Key #{key_id} of this partner not found.",
        )
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
    return row


def rotate_key(*, session: Session, partner_id: int, key_id: int) -> tuple[PartnerKey, str]:
    """Issue a replacement with the same label and revoke the old key in the same transaction,
    so there is never a moment with two live keys or none."""
    old = revoke_key(session=session, partner_id=partner_id, key_id=key_id)
    return issue_key(session=session, partner_id=partner_id, label=old.label)


def update(
    *,
    session: Session,
    partner_id: int,
    topics: Sequence[str] | None = None,
    active: bool | None = None,
    contact_email: str | None = None,
) -> Partner:
    """Change a partner's topic subscriptions, contact or standing."""
    partner = get(session=session, partner_id=partner_id)
    if topics is not None:
        partner.topics = sorted(set(topics))
    if active is not None:
        partner.active = active
    if contact_email is not None:
        partner.contact_email = _email(contact_email)
    session.add(partner)
    session.flush()
    return partner


def authenticate_key(*, session: Session, key: str) -> PartnerKey | None:
    """The live key row for a presented key, or None for unknown, malformed or revoked keys."""
    if not key.startswith(KEY_PREFIX):
        return None
    prefix = key[len(KEY_PREFIX) :].split("_", 1)[0]
    row = session.exec(select(PartnerKey).where(PartnerKey.prefix == prefix)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.key_hash, _hash_key(key)):
        return None
    partner = session.get(Partner, row.partner_id)
    if partner is None or not partner.active:
        return None
    row.last_used_at = utcnow()
    session.add(row)
    return row
