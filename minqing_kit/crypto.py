"""Encryption at rest for personal data (names, phone numbers, ID numbers).

Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`) with key rotation through MultiFernet: the
first key encrypts, every key decrypts. Stored as text; a database dump alone reveals nothing.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class PiiCipher:
    def __init__(self, *keys: str) -> None:
        if not keys:
            raise ValueError("at least one PII key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    @classmethod
    def from_setting(cls, value: str) -> PiiCipher:
        """`MINQING_PII_KEY` may hold several comma-separated keys, newest first."""
        return cls(*[k.strip() for k in value.split(",") if k.strip()])

    def encrypt(self, plaintext: str | None) -> str | None:
        if plaintext is None:
            return None
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("personal data could not be decrypted with the configured keys") from exc


def mask_name(name: str) -> str:
    """张三丰 → 张**: what roles without PII access see."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "****"


def mask_id_number(id_number: str) -> str:
    return id_number[:6] + "********" + id_number[-4:] if len(id_number) == 18 else "****"
