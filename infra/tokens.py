"""Signed bearer tokens (JWT, HS256 via PyJWT) carrying `sub`, `role` and `agency`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ROLES = (
    "practitioner",
    "lead_practitioner",
    "qa_officer",
    "panel_member",
    "partner",
    "researcher",
    "admin",
)
ALGORITHM = "HS256"


class InvalidTokenError(Exception):
    """The token is missing, malformed, expired, or not signed by us."""


@dataclass(frozen=True)
class Identity:
    """Who is calling: a user id (never a name), a role and an agency code."""

    user_id: str
    role: str
    agency: str


@dataclass(frozen=True)
class Tokens:
    secret: str
    issuer: str
    minutes: int

    def issue(self, identity: Identity, *, now: datetime | None = None) -> str:
        if identity.role not in ROLES:
            raise ValueError(f"unknown role {identity.role!r}; roles: {', '.join(ROLES)}")
        issued = now or datetime.now(UTC)
        claims = {
            "sub": identity.user_id,
            "role": identity.role,
            "agency": identity.agency,
            "iss": self.issuer,
            "iat": issued,
            "exp": issued + timedelta(minutes=self.minutes),
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Identity:
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                options={"require": ["sub", "role", "agency", "exp", "iss"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidTokenError(str(error)) from None
        if claims["role"] not in ROLES:
            raise InvalidTokenError(f"unknown role {claims['role']!r}")
        return Identity(str(claims["sub"]), str(claims["role"]), str(claims["agency"]))
