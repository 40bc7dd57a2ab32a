"""Errors a user can act on. The CLI prints their message on one line and exits 1."""


class SurveyError(Exception):
    """Base class: the message is shown to the user as it is."""


class NotFoundError(SurveyError):
    """An unknown key, topic, section or file."""


class AmbiguousError(SurveyError):
    """A name that matches more than one thing."""


class InputError(SurveyError):
    """Malformed input: a broken .bib, README, CSV or seed file, a bad URL or year."""


class DuplicateError(SurveyError):
    """A paper, key or identifier that is already present."""


class OutputError(SurveyError):
    """A file that cannot be written (a full disk, a missing folder) or must not be (the database in use)."""


class DatabaseError(SurveyError):
    """A database that cannot be opened, is not a survey database, or is newer than this program."""


def did_you_mean(word: str, candidates: list[str], what: str) -> str:
    """Return 'unknown {what} 'x'' followed by the closest candidates, for error messages."""
    import difflib

    lowered = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=3, cutoff=0.5)
    close += [c.lower() for c in candidates if word.lower() in c.lower() and c.lower() not in close][:3]
    message = f"unknown {what} {word!r}"
    if close:
        names = ", ".join(repr(lowered[c]) for c in dict.fromkeys(close))
        message += f"; did you mean {names}?"
    return message
