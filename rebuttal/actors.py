from dataclasses import dataclass

from models.enums import Role


@dataclass(frozen=True)
class Actor:
    """Who does something on the desk. `role` None is the system (automatic routing)."""

    user_id: int | None
    role: Role | None
    username: str = "system"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


SYSTEM = Actor(user_id=None, role=None)
