"""Password policy (口令策略), checked when a password is set or changed.

Rules, each named in the error (field `new_password`, rule below), in Chinese with English:
  min_length          at least 10 characters (and at most 128: `max_length`)
  letters_and_digits  at least one letter and one digit
  not_username        not the account's username (nor contain it, case-insensitively)
  not_common          not in a small list of common passwords (and not a single repeated character)
"""

from __future__ import annotations

import secrets
import string

from minqing_kit.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 128
#: Common choices attackers try first (lower-cased); a county deployment may extend the list.
COMMON = frozenset({
    "password123", "password1234", "passw0rd123", "qwerty12345", "qwertyuiop1", "1qaz2wsx3edc", "abc123456789",
    "a1234567890", "admin123456", "admin@12345", "woaini1314520", "iloveyou123", "zxcvbnm12345", "1234567890a",
    "aa123456789", "abcd1234567", "p@ssw0rd123", "minqing12345", "minqing2024", "minqing2025", "minqing2026",
    "welcome12345", "changeme123",
})
FIELD = "new_password"


def check_password(password: str, username: str, *, field: str = FIELD) -> None:
    """Raise `InvalidInput` naming the first rule `password` breaks."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"密码至少 {MIN_LENGTH} 位 (password must have at least {MIN_LENGTH} characters)",
                           field=field, rule="min_length")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"密码至多 {MAX_LENGTH} 位 (password must have at most {MAX_LENGTH} characters)",
                           field=field, rule="max_length")
    if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        raise InvalidInput("密码须同时包含字母和数字 (password needs both letters and digits)",
                           field=field, rule="letters_and_digits")
    if username and username.lower() in password.lower():
        raise InvalidInput("密码不能包含用户名 (password must not contain the username)",
                           field=field, rule="not_username")
    if password.lower() in COMMON or len(set(password)) <= 2:
        raise InvalidInput("密码过于常见，请换一个 (password is too common)", field=field, rule="not_common")


_ALPHABET = string.ascii_letters + string.digits


def temporary_password(length: int = 14) -> str:
    """A random password that meets the policy (an administrator's reset, a new account)."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if any(c.isalpha() for c in candidate) and any(c.isdigit() for c in candidate):
            return candidate
