"""Keyed pseudonyms: how events refer to a person without carrying who they are.

`p_` + 26 base32 characters of HMAC-SHA256(key, namespace + normalised identifier). The same person
gets the same pseudonym within a deployment (so reporting can count repeats), but without the key the
pseudonym cannot be reversed or recomputed from a guessed ID number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata


class Pseudonymizer:
    def __init__(self, key: str | bytes) -> None:
        self._key = key.encode() if isinstance(key, str) else key
        if len(self._key) < 16:
            raise ValueError("pseudonym key must be at least 16 bytes")

    def __call__(self, identifier: str, namespace: str = "person") -> str:
        normal = unicodedata.normalize("NFKC", identifier).strip().upper()
        if not normal:
            raise ValueError("cannot pseudonymise an empty identifier")
        digest = hmac.new(self._key, f"{namespace}\x00{normal}".encode(), hashlib.sha256).digest()
        return "p_" + base64.b32encode(digest).decode().lower()[:26]
