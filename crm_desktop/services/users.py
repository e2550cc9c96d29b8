"""Users: accounts, roles, Argon2id passwords, sign-in with lockout.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second
recommended profile); a hash made with older parameters is upgraded at the next
successful sign-in. A password has at least ``MIN_PASSWORD_LENGTH`` characters and is
not one of the 100,000 most common passwords (the NCSC's deny-list approach; the list
is shipped in ``resources/passwords``), judged as it reads; nor one character repeated,
nor does it hold the account's username or name, nor is it the demo accounts' password
(:func:`check_password_rules`).

Sign-in tells nothing about an account to someone who does not know its password: every
refusal has the same words and takes the same time (``REFUSAL_SECONDS``), whether the
username exists, the account is disabled or locked, or the password is wrong. Only
after the right password does it say the account is disabled, or locked after
``MAX_FAILURES`` wrong passwords in a row (for ``LOCKOUT``).

On PostgreSQL no login but the owner reads password hashes: the signing-in account's
own hash comes from the database function ``crm_sign_in_account``, which gives a user's
own login their own account's hash only.
"""

from __future__ import annotations

import datetime as dt
import getpass
import gzip
import re
import time
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Final

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from crm_desktop.contact import check_email
from crm_desktop.db.base import utcnow
from crm_desktop.db.database import Database
from crm_desktop.db.models import Person, User
from crm_desktop.domain.access import MAX_FAILURES, Actor
from crm_desktop.domain.enums import UserRole
from crm_desktop.errors import NotFound, PermissionRefused, UserFacingError, ValidationError
from crm_desktop.paths import resource_path

LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
# What separates the words of a password or a name, for comparing them.
_WORD_BREAKS = re.compile(r"[\W_]+")
COMMON_PASSWORDS = ("passwords", "ncsc-100k-most-used.txt.gz")
# The demo accounts' password unless the demo is given another (the README prints it,
# so no real account may have it).
DEMO_PASSWORD: Final = "malvern-hills-demo"
# Every refused sign-in takes this long, whatever the reason (the right password for a
# disabled account included), so its timing tells nothing about the account.
REFUSAL_SECONDS = 1.0
REFUSED = "The username or password is not right. Check them and try again."

_hasher = PasswordHasher()
# Seams for the tests: the clock a refusal is timed by, and how it waits.
_clock = time.monotonic
_pause = time.sleep


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


def _as_read(text: str) -> str:
    """``text`` as a reader sees it, for comparing: compatibility forms folded (full-width
    letters), invisible format characters (a zero-width space) dropped, case ignored."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf").casefold()


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords long enough to pass the length rule, in lower case (the
    shorter ones are refused by their length anyway)."""
    with gzip.open(resource_path(*COMMON_PASSWORDS), "rt", encoding="utf-8") as lines:
        return frozenset(
            word
            for word in (_as_read(line.strip()) for line in lines)
            if len(word) >= MIN_PASSWORD_LENGTH
        )


def check_password_rules(password: str, names: tuple[str, ...] = ()) -> None:
    """Refuse a password that is easy to guess (``ValidationError``): shorter than
    :data:`MIN_PASSWORD_LENGTH` as read, one character repeated, one of the most common
    passwords (NCSC's list of the 100,000 most used) as read, or holding ``names`` (the
    account's username, then its display name), spaces, dots, hyphens and underscores
    aside; a name of under four letters only as a word of its own."""
    read = _as_read(password)
    if min(len(password), len(read)) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters. Three or four "
            "random words together make a good one.",
            "password",
        )
    if password.strip() != password:
        raise ValidationError("A password cannot start or end with a space.", "password")
    if len(set(read)) == 1:
        raise ValidationError(
            "A password of one character repeated is easy to guess. Three or four random "
            "words together make a good one.",
            "password",
        )
    if read in common_passwords():
        raise ValidationError(
            "That password is one of the most common passwords, so it is easy to guess. "
            "Choose another: three or four random words together make a good one.",
            "password",
        )
    words = _WORD_BREAKS.split(read)
    joined = "".join(words)
    for what, name in zip(("username", "name"), names, strict=False):
        name_words = [w for w in _WORD_BREAKS.split(_as_read(name)) if w]
        whole = "".join(name_words)
        # A short name only as a word of its own ("bob" is not in "bobcat").
        if (len(whole) >= 4 and whole in joined) or (len(whole) >= 2 and whole in words):
            raise ValidationError(
                f"A password cannot hold the account's {what} ({name.strip()}): anyone who "
                "knows whose account it is could guess it. Choose another.",
                "password",
            )


def hash_password(password: str, names: tuple[str, ...] = ()) -> str:
    """The Argon2id hash of a password that keeps the rules (else ``ValidationError``;
    ``names``: see :func:`check_password_rules`)."""
    check_password_rules(password, names)
    return _hasher.hash(password)


def _account_password_hash(password: str, username: str, display_name: str) -> str:
    """A user account's password, hashed: the rules, and not the demo accounts' password
    (the README prints it)."""
    if _as_read(password) == DEMO_PASSWORD:
        raise ValidationError(
            "That is the demo accounts' password, which the README prints, so anyone could "
            "guess it. Choose another.",
            "password",
        )
    return hash_password(password, (username, display_name))


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
    email = (email or "").strip() or None
    if email is not None:
        check_email(email, "email")
    password_hash = (
        _account_password_hash(password, name, display_name) if password is not None else None
    )
    if role == UserRole.INVESTIGATOR and person_id is None:
        raise ValidationError(
            "An investigator's account must be linked to their record in the pool.", "person"
        )
    if person_id is not None and session.get(Person, person_id) is None:
        raise NotFound("That investigator's record in the pool no longer exists.")
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
        raise NotFound(f"There is no user called {username}.")
    return user


def check_keeps_a_manager(
    session: Session, user: User, role: UserRole, active: bool, actor: Actor | None
) -> None:
    """Refuse disabling one's own account, and leaving no active administrator (nobody
    could then change users, nor settings, which managers change too): the checks every
    change to a user's role or whether they can sign in passes, from the Admin page or
    the command line."""
    if not active and actor is not None and actor.username.strip().lower() == user.username:
        raise ValidationError(
            "You cannot disable your own account: ask another administrator to do it.",
            "active",
        )
    losing = UserRole(user.role) == UserRole.ADMIN and (role != UserRole.ADMIN or not active)
    if losing and user.active and not _other_active_administrators(session, user.id):
        raise ValidationError(
            f"{user.username} is the last active administrator: give someone else the "
            "administrator role first, or nobody could change users and roles.",
            "role",
        )


def _other_active_administrators(session: Session, user_id: int) -> list[int]:
    """The other active administrators, their rows locked until the transaction ends (in
    the order of their ids, as every such check takes them): two administrators
    disabling each other at once cannot both find the other still there. (SQLite's
    writes take turns anyway.)"""
    locked = session.scalars(
        sa.select(User.id)
        .where(User.active.is_(True), User.role == UserRole.ADMIN)
        .order_by(User.id)
        .with_for_update()
    ).all()
    return [found for found in locked if found != user_id]


def set_active(
    session: Session, username: str, active: bool, actor: Actor | None = None
) -> UserView:
    """Enable a user's account (clearing any lock) or disable it; ``actor``, who asks,
    may not disable their own, and the last active administrator stays."""
    user = _user(session, username)
    check_keeps_a_manager(session, user, UserRole(user.role), active, actor)
    user.active = active
    if active:
        user.failed_sign_ins = 0
        user.locked_until = None
    session.flush()
    return _view(user)


def set_password(session: Session, username: str, password: str) -> None:
    user = _user(session, username)
    user.password_hash = _account_password_hash(password, user.username, user.display_name)
    user.failed_sign_ins = 0
    user.locked_until = None
    session.flush()


def _matches(stored: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored`` (an Argon2id hash) was made from."""
    try:
        return bool(_hasher.verify(stored, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def change_own_password(
    session: Session, username: str, current: str, password: str, confirm: str
) -> None:
    """A signed-in user changes their own password: the current one first (so nobody at
    a desk left signed in can), then the new one twice, which must keep the rules."""
    user = _user(session, username)
    stored = _password_hash(session, user)
    if stored is None:
        raise ValidationError(
            "Your account signs in with your Windows account and has no password. Ask an "
            "administrator if you need one.",
            "current",
        )
    if not _matches(stored, current):
        raise ValidationError("Your current password is not right. Type it again.", "current")
    if password != confirm:
        raise ValidationError("The two new passwords are not the same. Type them again.", "confirm")
    if password == current:
        raise ValidationError(
            "The new password is the one you have now. Choose a new one.", "password"
        )
    user.password_hash = _account_password_hash(password, user.username, user.display_name)
    session.flush()


def sign_in(
    database: Database, username: str, password: str, now: dt.datetime | None = None
) -> Actor:
    """Sign in: the actor for a right password, else :class:`SignInRefused`.

    The failure count is saved even when the sign-in is refused, and every refusal
    takes :data:`REFUSAL_SECONDS` from the moment it was asked.
    """
    started = _clock()
    outcome = database.write(
        lambda session: authenticate(session, username, password, now), actor=username
    )
    if isinstance(outcome, SignInRefused):
        _pause(max(0.0, started + REFUSAL_SECONDS - _clock()))
        raise outcome
    return outcome


@cache
def _stand_in_hash() -> str:
    """A hash no password matches in practice: checked instead of a missing account's,
    so a refusal takes as long whether the account exists or not."""
    return _hasher.hash("no such account: a stand-in")


def _password_hash(session: Session, user: User) -> str | None:
    """The account's hash. On PostgreSQL only the database owner's login and the user's
    own login may have it (``crm_sign_in_account``); None for anyone else."""
    if session.get_bind().dialect.name != "postgresql":
        return user.password_hash
    found: str | None = session.scalar(
        sa.text("SELECT password_hash FROM crm_sign_in_account(:name)"), {"name": user.username}
    )
    return found


def has_password(session: Session, user: User) -> bool:
    """Whether ``user`` signs in with a password. On PostgreSQL asked of the database
    (``crm_has_password``): a manager's or an administrator's login may not read the
    hash itself."""
    if session.get_bind().dialect.name != "postgresql":
        return user.password_hash is not None
    return bool(session.scalar(sa.text("SELECT crm_has_password(:name)"), {"name": user.username}))


def authenticate(
    session: Session, username: str, password: str, now: dt.datetime | None = None
) -> Actor | SignInRefused:
    """Check a username and password; count failures and lock after too many.

    Returns the refusal rather than raising it, so the caller's transaction can save
    the failure count (see :func:`sign_in`). The password is checked before anything
    about the account is looked at, and the account's state (disabled, locked) is told
    only to someone who gave its right password.
    """
    now = now or utcnow()
    refused = SignInRefused(REFUSED)
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    stored = _password_hash(session, user) if user is not None else None
    # A missing account's stand-in is checked too, so the refusal takes as long.
    right = _matches(stored or _stand_in_hash(), password) and stored is not None
    if user is None or stored is None:
        return refused
    locked = user.locked_until is not None and user.locked_until > now
    if not right:
        if user.active and not locked:
            user.failed_sign_ins += 1
            if user.failed_sign_ins >= MAX_FAILURES:
                user.locked_until = now + LOCKOUT
                user.failed_sign_ins = 0
            session.flush()
        return refused
    if not user.active:
        return SignInRefused("This account is disabled. Ask an administrator to enable it.")
    if locked:
        assert user.locked_until is not None
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return SignInRefused(
            f"This account is locked after {MAX_FAILURES} wrong passwords. Try again in "
            f"{minutes} minutes, or ask an administrator to unlock it."
        )
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    session.flush()
    return actor_for(user)


def own_login_user(session: Session) -> User | None:
    """PostgreSQL: the user whose own login this session is connected with, if any."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return session.scalar(sa.select(User).where(User.db_role == sa.literal_column("session_user")))


def authenticate_windows(session: Session, account: str) -> Actor:
    """Sign in as the Windows account the program runs under, where one is configured
    (over a user's own PostgreSQL login, only as that user)."""
    user = session.scalar(sa.select(User).where(User.windows_account == account.strip().lower()))
    own = own_login_user(session)
    if user is None or (own is not None and own.id != user.id):
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
    A user's own login acts as that user only: ``--as`` may name no one else (the
    database would record and allow the login's own user whatever the program said).
    """
    own = own_login_user(session)
    login: str | None = None
    if session.get_bind().dialect.name == "postgresql":
        login = session.scalar(sa.text("SELECT session_user"))
        if own is not None and not own.active:
            raise PermissionRefused(
                f"The account {own.username} is disabled. Ask an administrator."
            )
    if username:
        user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
        if user is None:
            raise ValidationError(f"There is no user called {username}.", "as")
        if not user.active:
            raise ValidationError(f"The user {user.username} is disabled.", "as")
        if own is not None and own.id != user.id:
            raise PermissionRefused(
                f"You are connected with {own.username}'s own database login, so commands "
                f"act as {own.username}. Leave out --as, or connect with the other user's "
                "login."
            )
        return actor_for(user)
    if login is not None:
        if own is not None:
            return actor_for(own)
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
