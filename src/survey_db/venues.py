"""Venue names: a small catalogue of common venues, and the rules that pick a short name and a kind.

>>> normalize_venue("ACL", "Findings of the Association for Computational Linguistics: ACL 2024")
('Findings of ACL', 'Findings of the Association for Computational Linguistics: ACL 2024', 'conference')
>>> normalize_venue("NeurIPS", "Advances in Neural Information Processing Systems 36")[2]
'conference'
"""

from __future__ import annotations

import re

PREPRINT = "arXiv"

# short name, kind, a pattern of the full name (matched case-insensitively anywhere in it), and the full
# name written for a paper given only the short name (BibTeX needs a booktitle or journal).
CATALOGUE: list[tuple[str, str, str, str]] = [
    ("NeurIPS", "conference", r"Neural Information Processing Systems",
     "Advances in Neural Information Processing Systems"),
    ("ICML", "conference", r"International Conference on Machine Learning",
     "International Conference on Machine Learning"),
    ("ICLR", "conference", r"International Conference on Learning Representations",
     "International Conference on Learning Representations"),
    ("ACL", "conference", r"Annual Meeting of the Association for Computational Linguistics",
     "Annual Meeting of the Association for Computational Linguistics"),
    ("EMNLP", "conference", r"Empirical Methods in Natural Language Processing",
     "Conference on Empirical Methods in Natural Language Processing"),
    ("NAACL", "conference", r"North American Chapter of the Association for Computational Linguistics",
     "Conference of the North American Chapter of the Association for Computational Linguistics"),
    ("EACL", "conference", r"European Chapter of the Association for Computational Linguistics",
     "Conference of the European Chapter of the Association for Computational Linguistics"),
    ("COLING", "conference", r"International Conference on Computational Linguistics",
     "International Conference on Computational Linguistics"),
    ("LREC", "conference", r"Language Resources and Evaluation Conference",
     "Language Resources and Evaluation Conference"),
    ("AAAI", "conference", r"AAAI Conference on Artificial Intelligence",
     "AAAI Conference on Artificial Intelligence"),
    ("IJCAI", "conference", r"International Joint Conference on Artificial Intelligence",
     "International Joint Conference on Artificial Intelligence"),
    ("WSDM", "conference", r"Web Search and Data Mining",
     "ACM International Conference on Web Search and Data Mining"),
    ("KDD", "conference", r"Knowledge Discovery and Data Mining",
     "ACM SIGKDD Conference on Knowledge Discovery and Data Mining"),
    ("COLM", "conference", r"Conference on Language Modeling", "Conference on Language Modeling"),
    ("CVPR", "conference", r"Computer Vision and Pattern Recognition",
     "IEEE/CVF Conference on Computer Vision and Pattern Recognition"),
    ("NLP4ConvAI", "workshop", r"Workshop on NLP for Conversational AI",
     "Workshop on NLP for Conversational AI"),
    ("TMLR", "journal", r"Transactions on Machine Learning Research",
     "Transactions on Machine Learning Research"),
    ("JMLR", "journal", r"Journal of Machine Learning Research", "Journal of Machine Learning Research"),
    ("TACL", "journal", r"Transactions of the Association for Computational Linguistics",
     "Transactions of the Association for Computational Linguistics"),
    ("NN", "journal", r"^Neural Networks\b", "Neural Networks"),
]  # fmt: skip
_COMPILED = [(short, kind, re.compile(pattern, re.IGNORECASE)) for short, kind, pattern, _ in CATALOGUE]
_KIND_BY_SHORT = {short.lower(): kind for short, kind, _, _ in CATALOGUE}
_BY_SHORT = {short.lower(): (short, full) for short, _, _, full in CATALOGUE}
_FINDINGS_SHORT = re.compile(r"^Findings of ([A-Za-z\-]+)$", re.I)
_FINDINGS = re.compile(r"^Findings of the Association for Computational Linguistics:\s*([A-Za-z\-]+)", re.I)


def kind_of(short: str | None, full: str | None) -> str | None:
    """'conference', 'workshop', 'journal' or 'preprint', from the catalogue or the words of the name."""
    if short and short.lower() == PREPRINT.lower() and not full:
        return "preprint"
    if short and short.lower().startswith("findings of"):
        return "conference"
    if short and short.lower() in _KIND_BY_SHORT:
        return _KIND_BY_SHORT[short.lower()]
    text = (full or "").lower()
    if "workshop" in text:
        return "workshop"
    if any(word in text for word in ("journal", "transactions", "letters", "review")):
        return "journal"
    if any(word in text for word in ("proceedings", "conference", "symposium", "meeting")):
        return "conference"
    return None


def catalogue_short(full: str | None) -> str | None:
    """The catalogue's short name for a full venue name, or None."""
    if not full:
        return None
    findings = _FINDINGS.match(full)
    if findings:
        return f"Findings of {findings.group(1)}"
    for short, _kind, pattern in _COMPILED:
        if pattern.search(full):
            return short
    return None


def catalogue_full(short: str | None) -> tuple[str, str] | None:
    """(short, full) as the catalogue spells them, for a short name it knows, or None.

    >>> catalogue_full("icml")
    ('ICML', 'International Conference on Machine Learning')
    >>> catalogue_full("Findings of EMNLP")
    ('Findings of EMNLP', 'Findings of the Association for Computational Linguistics: EMNLP')
    """
    if not short:
        return None
    findings = _FINDINGS_SHORT.match(short.strip())
    if findings:
        name = findings.group(1)
        name = _BY_SHORT.get(name.lower(), (name, ""))[0]
        return f"Findings of {name}", f"Findings of the Association for Computational Linguistics: {name}"
    return _BY_SHORT.get(short.strip().lower())


def normalize_venue(short: str | None, full: str | None) -> tuple[str | None, str | None, str | None]:
    """(short, full, kind) for a paper.

    The given short name wins unless the full name contradicts it: a Findings volume is 'Findings of X',
    and a paper badged as a preprint whose full name names a known venue takes that venue's short name.
    A short name the catalogue knows, given alone, gets the catalogue's spelling and full name.
    """
    short = (short or "").strip() or None
    full = (full or "").strip() or None
    if short is None and full is None:
        return None, None, None
    from_full = catalogue_short(full)
    if from_full and (short is None or from_full.startswith("Findings of") or short.lower() == "arxiv"):
        short = from_full
    if short is None:
        short = full
    if full is None and (known := catalogue_full(short)):
        short, full = known
    return short, full, kind_of(short, full)


def entry_type_for(kind: str | None) -> str:
    """The BibTeX entry type a venue kind needs."""
    return {"journal": "article", "conference": "inproceedings", "workshop": "inproceedings"}.get(
        kind or "", "misc"
    )
