"""Database URLs as people may see them: never with the password.

>>> display_url("postgresql+psycopg://survey:secretpw@db.example.org:5432/survey")
'postgresql+psycopg://survey:***@db.example.org:5432/survey'
>>> mask_passwords("cannot open postgresql://a:b@h/d: refused")
'cannot open postgresql://a:***@h/d: refused'
>>> mask_passwords("bad conninfo: host=h password='p w' user=u")
'bad conninfo: host=h password=*** user=u'
"""

from __future__ import annotations

import re

# scheme://user:password@ ... ; a password may hold any character but whitespace (unescaped '@' or '/'
# included: the last '@' before the host ends it, as SQLAlchemy reads it).
# libpq's key=value form (a driver may quote its connection string in an error).
_CONNINFO_PASSWORD = re.compile(r"\bpassword\s*=\s*(?:'(?:[^'\\]|\\.)*'|\S+)")
_WITH_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)(?P<password>\S*)@")


def display_url(url: str) -> str:
    """`url` with its password (if any) replaced by ***; a SQLite path stays as it is."""
    return mask_passwords(url)


def mask_passwords(text: str) -> str:
    """`text` with the password of every database URL in it replaced by ***."""
    if "password" in text:
        text = _CONNINFO_PASSWORD.sub("password=***", text)
    if "://" not in text or "@" not in text:
        return text
    return _WITH_PASSWORD.sub(_mask, text)


def _mask(match: re.Match[str]) -> str:
    # The greedy \S* ran to the last '@' of the word: every '@' before it belongs to the password.
    return match.group("head") + "***@" if match.group("password") else match.group(0)
