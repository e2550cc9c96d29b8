"""Users: accounts, roles, Argon2id passwords, sign-in with lockout.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second
recommended profile); a hash made with older parameters is upgraded at the next
successful sign-in. After ``MAX_FAILURES`` wrong passwords in a row the account is
locked for ``LOCKOUT`` and every attempt in that time is refused without checking the
password. The messages never say whether a username exists.
"""

from __future__ import annotations

import datetime as dt
import getpass
import re
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from crm_desktop.db.base import utcnow
from crm_desktop.db.database import Database
from crm_desktop.db.models import Person, User
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from crm_desktop.errors import PermissionRefused, UserFacingError, ValidationError

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")

_hasher = PasswordHasher()


class SignInRefused(UserFacingError):
    """Wrong username or password, a locked or a disabled account."""


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: UserRole
    active: bool
    locked_until: dt.datetime | None
    last_sign_in_at: dt.datetime | None
    windows_account: str | None


def _view(user: User) -> UserView:
    return UserView(
        user.id,
        user.username,
        user.display_name,
        UserRole(user.role),
        user.active,
        user.locked_until,
        user.last_sign_in_at,
        user.windows_account,
    )


def actor_for(user: User) -> Actor:
    return Actor(user.username, UserRole(user.role), user.id, user.display_name)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", "password"
        )
    if password.strip() != password:
        raise ValidationError("A password cannot start or end with a space.", "password")


def hash_password(password: str) -> str:
    """The Argon2id hash of a password that keeps the rules (else ``ValidationError``)."""
    check_password_rules(password)
    return _hasher.hash(password)


def add_user(
    session: Session,
    username: str,
    role: UserRole | str,
    *,
    display_name: str = "",
    password: str | None = None,
    email: str | None = None,
    windows_account: str | None = None,
    person_id: int | None = None,
) -> UserView:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise ValidationError(
            "A username is 2 to 80 letters, digits, dots, hyphens or underscores, starting "
            "with a letter or digit.",
            "username",
        )
    try:
        role = UserRole(role)
    except ValueError:
        roles = ", ".join(r.value for r in UserRole)
        raise ValidationError(f"'{role}' is not a role. Roles: {roles}.", "role") from None
    if session.scalar(sa.select(User.id).where(User.username == name)) is not None:
        raise ValidationError(f"There is already a user called {name}.", "username")
    if password is None and windows_account is None:
        raise ValidationError("Give the user a password or a Windows account.", "password")
    password_hash = hash_password(password) if password is not None else None
    if role == UserRole.INVESTIGATOR and person_id is None:
        raise ValidationError(
            "An investigator's account must be linked to their record in the pool.", "person"
        )
    if person_id is not None and session.get(Person, person_id) is None:
        raise ValidationError(f"There is no person with id {person_id}.", "person")
    user = User(
        username=name,
        display_name=display_name.strip() or name,
        email=email,
        role=role,
        password_hash=password_hash,
        windows_account=windows_account.strip().lower() if windows_account else None,
        person_id=person_id,
    )
    session.add(user)
    session.flush()
    return _view(user)


def list_users(session: Session) -> list[UserView]:
    return [_view(u) for u in session.scalars(sa.select(User).order_by(User.username))]


def _user(session: Session, username: str) -> User:
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise ValidationError(f"There is no user called {username}.", "username")
    return user


def set_active(session: Session, username: str, active: bool) -> UserView:
    user = _user(session, username)
    user.active = active
    if active:
        user.failed_sign_ins = 0
        user.locked_until = None
    session.flush()
    return _view(user)


def set_password(session: Session, username: str, password: str) -> None:
    password_hash = hash_password(password)
    user = _user(session, username)
    user.password_hash = password_hash
    user.failed_sign_ins = 0
    user.locked_until = None
    session.flush()


def sign_in(
    database: Database, username: str, password: str, now: dt.datetime | None = None
) -> Actor:
    """Sign in: the actor for a right password, else :class:`SignInRefused`.

    The failure count is saved even when the sign-in is refused.
    """
    outcome = database.write(
        lambda session: authenticate(session, username, password, now), actor=username
    )
    if isinstance(outcome, SignInRefused):
        raise outcome
    return outcome


def authenticate(
    session: Session, username: str, password: str, now: dt.datetime | None = None
) -> Actor | SignInRefused:
    """Check a username and password; count failures and lock after too many.

    Returns the refusal rather than raising it, so the caller's transaction can save
    the failure count (see :func:`sign_in`).
    """
    now = now or utcnow()
    refused = SignInRefused("The username or password is not right. Check them and try again.")
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None or user.password_hash is None:
        _hasher.hash(password)  # take as long as a real check, so timing tells nothing
        return refused
    if not user.active:
        return SignInRefused("This account is disabled. Ask an administrator to enable it.")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return SignInRefused(
            f"This account is locked after {MAX_FAILURES} wrong passwords. Try again in "
            f"{minutes} minutes, or ask an administrator to unlock it."
        )
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_sign_ins += 1
        if user.failed_sign_ins >= MAX_FAILURES:
            user.locked_until = now + LOCKOUT
            user.failed_sign_ins = 0
        session.flush()
        return refused
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    session.flush()
    return actor_for(user)


def authenticate_windows(session: Session, account: str) -> Actor:
    """Sign in as the Windows account the program runs under, where one is configured."""
    user = session.scalar(sa.select(User).where(User.windows_account == account.strip().lower()))
    if user is None:
        raise SignInRefused(
            f"No CRM Desktop user is set up for the Windows account {account}. Sign in "
            "with your username and password, or ask an administrator."
        )
    if not user.active:
        raise SignInRefused("This account is disabled. Ask an administrator to enable it.")
    user.last_sign_in_at = utcnow()
    session.flush()
    return actor_for(user)


def command_line_actor(session: Session, username: str | None = None) -> Actor:
    """Who a ``crm-desktop`` command acts as.

    ``username`` (``--as``) must be an active user. Otherwise, on PostgreSQL, the user
    whose own login the command connected with; failing that (SQLite, or the database
    owner's login) the command-line administrator, named after the operating-system
    login, since whoever can open a SQLite file, or owns the database, has everything.
    """
    if username:
        user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
        if user is None:
            raise ValidationError(f"There is no user called {username}.", "as")
        if not user.active:
            raise ValidationError(f"The user {user.username} is disabled.", "as")
        return actor_for(user)
    if session.get_bind().dialect.name == "postgresql":
        login = session.scalar(sa.text("SELECT current_user"))
        user = session.scalar(sa.select(User).where(User.db_role == login))
        if user is not None:
            if not user.active:
                raise PermissionRefused(
                    f"The account {user.username} is disabled. Ask an administrator."
                )
            return actor_for(user)
        owner = session.scalar(
            sa.text(
                "SELECT r.rolsuper OR d.datdba = r.oid FROM pg_roles r, pg_database d "
                "WHERE r.rolname = current_user AND d.datname = current_database()"
            )
        )
        if not owner:
            raise PermissionRefused(
                f"The database login {login} belongs to no CRM Desktop user. Ask an "
                "administrator to link it (crm-desktop user db-login)."
            )
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = ""
    return Actor(f"cli:{login}" if login else "cli", UserRole.ADMIN, display_name="Command line")
