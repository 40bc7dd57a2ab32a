"""LaTeX <-> Unicode: decoding real .bib spellings, encoding anything so that it decodes back."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_db.latex import latex_to_unicode, needs_decoding, protect_capitals, unicode_to_latex


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"Schr{\"o}dinger", "Schrödinger"),
        (r"Schr\"{o}dinger", "Schrödinger"),
        (r"Schr\"odinger", "Schrödinger"),
        (r"\'{e}t\'e", "été"),
        (r"{\'E}cole", "École"),
        (r"Fran\c{c}ois", "François"),
        (r"Fran{\c c}ois", "François"),
        (r"\v{S}koda \v s", "Škoda š"),
        (r"Stra{\ss}e", "Straße"),
        (r"Stra\ss e", "Straße"),
        (r"Aks{\i}n", "Aksın"),
        (r"\'{\i}", "í"),
        (r"\'\i", "í"),
        (r"{\L}{\'o}d{\'z}", "Łódź"),
        (r"\AA{}ngstr\"om", "Ångström"),
        (r"Erd\H{o}s", "Erdős"),
        (r"\^{\d{e}}", "ệ"),
        (r"\& \% \_ \$ \# \{ \}", "& % _ $ # { }"),
        ("pages 10--20, a---b", "pages 10\u201320, a\u2014b"),
        ("J.~Amer.", "J.\u00a0Amer."),
        (r"\textbraceleft x\textbraceright{}", "{x}"),
        (r"\textbackslash{}input", "\\input"),
        (r"{\em Emphasis} and \emph{more} and \textbf{bold}", "Emphasis and more and bold"),
        (r"\mbox{G-Animal's} Journal", "G-Animal's Journal"),
        (r"{\noopsort{1973b}}1973", "1973"),
        (r"methodology\hyphen independent", "methodology-independent"),
        (r"\mkbibquote{Intention} und", "\u201cIntention\u201d und"),
        ("``quoted''", "\u201cquoted\u201d"),
        (r"\url{http://a.org/~x_y}", "http://a.org/~x_y"),
        (r"\ensuremath{\alpha}-divergence", "α-divergence"),
        (r"{DoReMi}: {LLMs}", "DoReMi: LLMs"),
        (r"\~{}", "~"),
        ("a-{}-b", "a--b"),
    ],
)
def test_decodes_real_spellings(latex: str, text: str) -> None:
    assert latex_to_unicode(latex) == text


def test_math_is_left_alone() -> None:
    assert (
        latex_to_unicode(r"Bounds of $O(n^2)$ and $$x--y$$ work") == r"Bounds of $O(n^2)$ and $$x--y$$ work"
    )


def test_unknown_commands_are_kept_with_their_arguments() -> None:
    assert latex_to_unicode(r"{\switchargs{--90}{1968}}") == r"\switchargs{--90}{1968}"
    assert latex_to_unicode(r"\input{/etc/passwd}") == r"\input{/etc/passwd}"


def test_plain_text_takes_the_fast_path() -> None:
    text = "Data selection for language models via importance resampling"
    assert not needs_decoding(text)
    assert latex_to_unicode(text) is text
    assert unicode_to_latex(text) is text


def test_stray_and_unclosed_braces_do_not_raise() -> None:
    assert latex_to_unicode("a}b") == "a}b"
    assert latex_to_unicode("{a{b") == "ab"
    assert latex_to_unicode("trailing \\") == "trailing \\"
    assert latex_to_unicode("$unclosed math") == "$unclosed math"


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("100% & more_x #1 $5", r"100\% \& more\_x \#1 \$5"),
        ("a~b^c\\d", r"a\textasciitilde{}b\textasciicircum{}c\textbackslash{}d"),
        ("{balanced}", r"\{balanced\}"),
        ("unbalanced { and } then }{", r"unbalanced \{ and \} then \textbraceright{}\textbraceleft{}"),
        ("Schrödinger Łódź", r"Schr{\"o}dinger {\L}{\'o}d{\'z}"),
        ("Straße", r"Stra{\ss}e"),
        ("Çetinkaya", r"{\c{C}}etinkaya"),
        ("naïve í", r"na{\"\i}ve {\'\i}"),
        ("10–20 — x", "10--20 --- x"),
        ("a--b", "a-{}-b"),
        ("J.\u00a0Amer.", "J.~Amer."),
        ("α-divergence", r"\ensuremath{\alpha}-divergence"),
        ("中文", "中文"),
    ],
)
def test_encodes_specials_and_accents(text: str, latex: str) -> None:
    assert unicode_to_latex(text) == latex
    assert latex_to_unicode(latex) == text


@pytest.mark.parametrize(
    "text", ["-\u2013", "\u2013-", "\u2013\u2013", "\u2014-", "-\u2014", "--", "a-\u2013b"]
)
@pytest.mark.parametrize("ascii", [True, False])
def test_dashes_side_by_side_stay_apart(text: str, ascii: bool) -> None:
    """A hyphen beside an en dash must not become '---', an em dash, when read back."""
    assert latex_to_unicode(unicode_to_latex(text, ascii=ascii)) == text


def test_utf8_mode_keeps_non_ascii() -> None:
    assert unicode_to_latex("Schrödinger & Łódź", ascii=False) == r"Schrödinger \& Łódź"


@pytest.mark.parametrize(
    ("title", "protected"),
    [
        ("DoReMi: Optimizing Data Mixtures", "{DoReMi}: Optimizing Data Mixtures"),
        ("Scaling LLMs with GPT-3 and x86", "Scaling {LLMs} with {GPT-3} and {x86}"),
        ("(BERT), I/O.", "({BERT}), {I/O}."),
        ("Already {LLMs} and {GPT-4 model}", "Already {LLMs} and {GPT-4 model}"),
        ("A plain title in 2023", "A plain title in 2023"),
        (r"{\"O}BB rail", r"{{\"O}BB} rail"),
        (r"Rate 100\%, CO2", r"Rate 100\%, {CO2}"),
        (r"\textbraceleft{}GPT", r"{{\textbraceleft{}GPT}}"),
    ],
)
def test_protect_capitals(title: str, protected: str) -> None:
    assert protect_capitals(title) == protected
    assert protect_capitals(protected) == protected  # idempotent


_printable = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(_printable, st.booleans())
def test_round_trip_any_printable_text(text: str, ascii: bool) -> None:
    assert latex_to_unicode(unicode_to_latex(text, ascii)) == text


@settings(max_examples=200, deadline=None)
@given(_printable)
def test_protecting_capitals_never_changes_the_text(text: str) -> None:
    latex = protect_capitals(unicode_to_latex(text))
    assert latex_to_unicode(latex) == text
    assert protect_capitals(latex) == latex


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="\\{}~$%&_#^-`' aAé", max_size=30))
def test_decoding_arbitrary_latex_never_fails(latex: str) -> None:
    assert isinstance(latex_to_unicode(latex), str)


def test_encoded_text_is_ascii_except_uncodable_characters() -> None:
    text = "Zoë Ünal — naïve café ß æ ø œ å ł ı ğ ň ř ż ő ą ę"
    latex = unicode_to_latex(text)
    assert latex.isascii()
    assert unicodedata.normalize("NFC", latex_to_unicode(latex)) == text
