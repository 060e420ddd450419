"""Who may do what with imported data: users, their groups and roles.

Roles, lowest first:
* **viewer**: sees the synthetic borough and datasets shared with one of their groups,
  always with disclosure control on; imports nothing.
* **analyst**: a viewer who also imports datasets into a private workspace, shares their own
  datasets with their groups, and may switch protection off for their own work (their own
  datasets and the synthetic borough).
* **admin**: an analyst who also manages shared datasets (sees, unshares and deletes any
  dataset shared with a group).

Local use (no sign-in configured) has one user, `LOCAL`, with analyst rights: the data stay
on this machine and nobody else can reach them. A shared deployment maps signed-in users to
roles and groups from the `[access]` section of `.streamlit/secrets.toml` (docs/deployment.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

ROLES = ("viewer", "analyst", "admin")
GROUP_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


@dataclass(frozen=True)
class User:
    id: str                              # stable identity: "local", or the signed-in email
    name: str
    role: str = "viewer"
    groups: tuple[str, ...] = field(default_factory=tuple)
    local: bool = False                  # single-user local mode (no sign-in)

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"role {self.role!r}: use one of {', '.join(ROLES)}")

    @property
    def can_import(self) -> bool:
        return self.role in ("analyst", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_unprotect(self, owner: str | None) -> bool:
        """Protection off is for an analyst's own work: their datasets or the synthetic
        borough (owner None), never data someone shared with them."""
        return self.role in ("analyst", "admin") and (owner is None or owner == self.id)


#: The one user of local mode.
LOCAL = User("local", "Local user", "analyst", (), local=True)


def user_from_config(identity: dict, config: dict) -> User:
    """The signed-in user: `identity` holds the identity provider's claims (email, name);
    `config` is the `[access]` section: `default_role` for anyone not listed and
    `users.<email> = {role = ..., groups = [...]}`."""
    email = str(identity.get("email") or identity.get("sub") or "").strip().lower()
    if not email:
        raise ValueError("the identity provider returned no email or subject for this user")
    users = {str(k).strip().lower(): v for k, v in dict(config.get("users", {})).items()}
    entry = dict(users.get(email, {}))
    role = str(entry.get("role", config.get("default_role", "viewer")))
    groups = tuple(sorted({str(g) for g in entry.get("groups", ())
                           if GROUP_PATTERN.fullmatch(str(g))}))
    return User(email, str(identity.get("name") or email), role, groups)
