"""LaTeX text <-> Unicode, fast enough for 100,000-entry bibliographies.

Decoding (`latex_to_unicode`) turns the LaTeX found in .bib field values into the text a reader sees:

- accents in every spelling (`{\\"o}`, `\\"{o}`, `\\"o`, `\\'{\\i}`, `\\c{c}`, `\\v s`) -> composed
  Unicode (NFC);
- letters and symbols (`{\\ss}`, `\\o`, `\\ldots`, `\\textbraceleft`) -> their character;
- `\\&`, `\\%`, `\\_`, `\\$`, `\\#`, `\\{`, `\\}` -> the character; `--` -> en dash, `---` -> em dash;
  ``` `` ``` and `''` -> curly double quotes (TeX's ligatures);
- `~` -> U+00A0 NO-BREAK SPACE (not a plain space: the round trip stays exact, and searching still treats it
  as a space because every normalisation in survey-db folds U+00A0 to a space);
- font commands (`\\emph{x}`, `\\textbf{x}`, `{\\em x}`, `\\mbox{x}`) keep their text; `\\noopsort{x}`
  disappears;
  `\\url{x}` keeps `x` verbatim;
- math (`$...$`, `$$...$$`) is left exactly as written, dollars included: there is no good plain-text form;
- braces are removed; unknown commands are kept verbatim, with the braced arguments that follow them, so
  nothing a person wrote silently disappears (`\\switchargs{--90}{1968}` stays as it is).

Whitespace is not touched here (the BibTeX importer normalises it). Text without `\\`, `{`, `}`, `~`, `--`,
``` `` ``` or `''` is returned unchanged without further work, and results are cached.

Encoding (`unicode_to_latex`) is the inverse for any text: `latex_to_unicode(unicode_to_latex(s)) == s`.
`% & _ # $` become `\\%`..., `\\ ~ ^` become `\\textbackslash{}`, `\\textasciitilde{}`, `\\textasciicircum{}`;
braces that pair up properly become `\\{`/`\\}`, a brace without partner becomes `\\textbraceleft{}` or
`\\textbraceright{}` (BibTeX counts `\\{` as a brace, so an unpaired one would end a field early).
With `ascii=True` non-ASCII letters become accent commands in BibTeX's "special character" form (`{\\"o}`,
`{\\c{c}}`, `{\\ss}`), Greek letters `\\ensuremath{\\alpha}`; characters with no LaTeX text command (CJK,
emoji) stay UTF-8. With `ascii=False` everything non-ASCII stays UTF-8.

>>> latex_to_unicode(r"Schr{\\"o}dinger's \\'{e}quation \\& {GPT}--4~x")
"Schrödinger's équation & GPT–4\\xa0x"
>>> unicode_to_latex("Schrödinger & 100% {x")
'Schr{\\\\"o}dinger \\\\& 100\\\\% \\\\textbraceleft{}x'
>>> protect_capitals("Scaling {LLMs} and GPT-3: the DoReMi recipe")
'Scaling {LLMs} and {GPT-3}: the {DoReMi} recipe'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["latex_to_unicode", "unicode_to_latex", "protect_capitals", "needs_decoding"]

# ----------------------------------------------------------------------------------------------- tables

# Accent commands and the combining mark each one adds.
# fmt: off
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
    "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323",
    "b": "\u0331", "t": "\u0361",
}
# fmt: on
# What an accent command on an empty argument (`\~{}`) prints.
# fmt: off
_BARE_ACCENTS = {
    "'": "\u00b4", "`": "`", "^": "^", '"': "\u00a8", "~": "~", "=": "\u00af", ".": "\u02d9", "u": "\u02d8",
    "v": "\u02c7", "H": "\u02dd", "c": "\u00b8", "k": "\u02db", "r": "\u02da", "d": "", "b": "", "t": "",
}
# fmt: on

# Commands without argument that stand for one character (or a short text).
# fmt: off
_SYMBOLS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "o": "ø", "O": "Ø", "l": "ł",
    "L": "Ł", "i": "ı", "j": "ȷ", "dj": "đ", "DJ": "Đ", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ", "ng": "ŋ",
    "NG": "Ŋ", "textbraceleft": "{", "textbraceright": "}", "textbackslash": "\\", "textasciitilde": "~",
    "textasciicircum": "^", "textunderscore": "_", "textbar": "|", "textless": "<", "textgreater": ">",
    "textquotedblleft": "\u201c", "textquotedblright": "\u201d", "textquoteleft": "\u2018",
    "textquoteright": "\u2019", "textquotesingle": "'", "textquotedbl": '"', "textasciigrave": "`",
    "textendash": "\u2013", "textemdash": "\u2014", "ldots": "\u2026", "dots": "\u2026",
    "textellipsis": "\u2026", "textcopyright": "©", "copyright": "©", "textregistered": "®",
    "texttrademark": "™", "S": "§", "P": "¶", "pounds": "£", "textsterling": "£", "texteuro": "€",
    "euro": "€", "textdegree": "°", "textexclamdown": "¡", "textquestiondown": "¿", "guillemotleft": "«",
    "guillemotright": "»", "guillemetleft": "«", "guillemetright": "»", "guilsinglleft": "‹",
    "guilsinglright": "›", "quotedblbase": "„", "quotesinglbase": "‚", "textperiodcentered": "·",
    "textbullet": "•", "dag": "†", "ddag": "‡", "textdagger": "†", "textdaggerdbl": "‡", "texttimes": "×",
    "textdiv": "÷", "textpm": "±", "textmu": "µ", "textonehalf": "½", "textonequarter": "¼",
    "textthreequarters": "¾", "textordfeminine": "ª", "textordmasculine": "º", "textcent": "¢",
    "textyen": "¥", "textsection": "§", "textparagraph": "¶", "textvisiblespace": "␣",
    "nobreakspace": "\u00a0", "textnumero": "№", "textperthousand": "‰", "LaTeX": "LaTeX", "TeX": "TeX",
    "BibTeX": "BibTeX", "LaTeXe": "LaTeX2e", "XeTeX": "XeTeX", "slash": "/", "hyphen": "-", "alpha": "α",
    "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε", "zeta": "ζ", "eta": "η",
    "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "pi": "π", "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ",
    "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ",
    "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ",
    "Psi": "Ψ", "Omega": "Ω",
}
# fmt: on
# fmt: off
_GREEK = frozenset({
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho", "sigma", "varsigma", "tau",
    "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi",
    "Sigma", "Upsilon", "Phi", "Psi", "Omega",
})
# fmt: on
# Commands that print nothing (font switches, spacing hints).
# fmt: off
_NOOPS = frozenset({
    "em", "it", "bf", "sc", "tt", "rm", "sl", "sf", "up", "md", "itshape", "bfseries", "scshape", "ttfamily",
    "rmfamily", "sffamily", "upshape", "slshape", "mdseries", "normalfont", "relax", "protect", "null",
    "unskip", "ignorespaces", "displaystyle", "selectfont",
})
# fmt: on
# Commands whose single argument is printed as it is (the command itself adds only formatting).
# fmt: off
_TEXT_COMMANDS = frozenset({
    "emph", "textit", "textbf", "textsc", "texttt", "textrm", "textsf", "textup", "textsl", "textmd",
    "textnormal", "mbox", "hbox", "text", "textsuperscript", "textsubscript", "uline", "underline", "autocap",
    "mkbibemph", "mkbibitalic", "mkbibbold", "acronym", "NoCaseChange", "nocase",
})
# fmt: on
_QUOTE_COMMANDS = {"mkbibquote": ("\u201c", "\u201d"), "enquote": ("\u201c", "\u201d")}
# fmt: off
_CONTROL_SYMBOLS = {
    "&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " ", "\\": " ", "-": "",
    "/": "", "@": "", ",": "\u2009", "\n": " ", "\t": " ",
}
# fmt: on

# --------------------------------------------------------------------------------------------- decoding

_DECODE_CHARS = re.compile(r"[\\{}~]")
_PLAIN = re.compile(r"[^\\{}~$\-`']+")
_LETTERS = re.compile(r"[A-Za-z]+")
_WHITESPACE = re.compile(r"[ \t\r\n]*")
_MAX_DEPTH = 40


def needs_decoding(text: str) -> bool:
    """True when `latex_to_unicode(text)` could differ from `text`."""
    return _DECODE_CHARS.search(text) is not None or "--" in text or "``" in text or "''" in text


def latex_to_unicode(text: str) -> str:
    """The Unicode text a reader sees for a LaTeX field value (see the module docstring)."""
    if not needs_decoding(text):
        return text
    return _decode_cached(text)


@lru_cache(maxsize=1 << 16)
def _decode_cached(text: str) -> str:
    return _decode(text, 0)


def group_end(s: str, i: int) -> int:
    """Index after the `}` that closes the `{` at s[i] (len(s) when it is never closed)."""
    depth, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _argument(s: str, i: int) -> tuple[str, int, bool]:
    """The next macro argument at or after s[i]: (its text, index after it, was it braced)."""
    n = len(s)
    while i < n and s[i] in " \t\r\n":
        i += 1
    if i >= n:
        return "", n, False
    c = s[i]
    if c == "{":
        end = group_end(s, i)
        return s[i + 1 : end - 1] if end <= n and s[end - 1 : end] == "}" else s[i + 1 : end], end, True
    if c == "\\":
        m = _LETTERS.match(s, i + 1)
        end = m.end() if m else min(i + 2, n)
        return s[i:end], end, False
    if c == "}":
        return "", i, False
    return c, i + 1, False


def _apply_accent(base: str, mark: str, command: str) -> str:
    if not base:
        return _BARE_ACCENTS.get(command, "")
    first = base[0]
    if first == "ı":
        first = "i"
    elif first == "ȷ":
        first = "j"
    return unicodedata.normalize("NFC", first + mark) + base[1:]


def _decode(s: str, level: int) -> str:
    out: list[str] = []
    append = out.append
    i, n, depth = 0, len(s), 0
    while i < n:
        c = s[i]
        if c == "\\":
            if i + 1 >= n:
                append("\\")
                break
            m = _LETTERS.match(s, i + 1)
            if m is None:  # a control symbol: \& \' \{ ...
                sym = s[i + 1]
                if sym in _ACCENTS and level < _MAX_DEPTH:
                    arg, i, _ = _argument(s, i + 2)
                    append(_apply_accent(_decode(arg, level + 1) if arg else "", _ACCENTS[sym], sym))
                    continue
                if sym in _CONTROL_SYMBOLS:
                    append(_CONTROL_SYMBOLS[sym])
                else:
                    append(s[i : i + 2])
                i += 2
                continue
            name = m.group()
            j = m.end()
            spaces = _WHITESPACE.match(s, j)
            assert spaces is not None  # the pattern matches the empty string too
            after = spaces.end()  # TeX skips spaces after a control word
            if name in _SYMBOLS:
                append(_SYMBOLS[name])
                i = after
            elif name in _NOOPS:
                i = after
            elif name in _TEXT_COMMANDS:
                i = after  # the argument follows as an ordinary group or character
            elif len(name) == 1 and name in _ACCENTS and level < _MAX_DEPTH:
                arg, i, _ = _argument(s, j)
                append(_apply_accent(_decode(arg, level + 1) if arg else "", _ACCENTS[name], name))
            elif name in _QUOTE_COMMANDS and level < _MAX_DEPTH:
                arg, i, _ = _argument(s, j)
                left, right = _QUOTE_COMMANDS[name]
                append(left + _decode(arg, level + 1) + right)
            elif name == "ensuremath" and level < _MAX_DEPTH:
                arg, i, _ = _argument(s, j)
                inner = arg.strip()
                if inner.startswith("\\") and inner[1:] in _GREEK:
                    append(_SYMBOLS[inner[1:]])
                else:
                    append("$" + arg + "$")
            elif name in ("url", "path", "nolinkurl"):
                arg, i, _ = _argument(s, j)
                append(arg)
            elif name == "noopsort":
                _, i, _ = _argument(s, j)
            elif name == "foreignlanguage":
                _, i, _ = _argument(s, j)  # the language; the text follows as a group
            else:
                # Unknown: keep the command and the braced arguments that follow, as written.
                k = j
                while k < n and s[k] == "{":
                    k = group_end(s, k)
                append(s[i:k])
                i = k
            continue
        if c == "{":
            depth += 1
            i += 1
        elif c == "}":
            if depth:
                depth -= 1
            else:
                append("}")
            i += 1
        elif c == "~":
            append("\u00a0")
            i += 1
        elif c == "$":
            j = i + 2 if s.startswith("$$", i) else i + 1
            delimiter = s[i:j]
            k = j
            while k < n:
                if s[k] == "\\":
                    k += 2
                    continue
                if s.startswith(delimiter, k):
                    break
                k += 1
            end = min(k + len(delimiter), n)
            append(s[i:end])
            i = end
        elif c == "-":
            j = i
            while j < n and s[j] == "-":
                j += 1
            run = j - i
            append("\u2014" * (run // 3) + ("\u2013" if run % 3 == 2 else "-" if run % 3 == 1 else ""))
            i = j
        elif c == "`" or c == "'":
            if i + 1 < n and s[i + 1] == c:
                append("\u201c" if c == "`" else "\u201d")
                i += 2
            else:
                append(c)
                i += 1
        else:
            m = _PLAIN.match(s, i)
            assert m is not None  # c is none of the characters handled above
            append(m.group())
            i = m.end()
    return "".join(out)


# --------------------------------------------------------------------------------------------- encoding

# fmt: off
_ASCII_SPECIALS = {
    "\\": r"\textbackslash{}", "%": r"\%", "&": r"\&", "_": r"\_", "#": r"\#", "$": r"\$",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\u00a0": "~", "\u2009": r"\,",
    # Dashes as TeX ligatures even in UTF-8 output: page ranges read '1--20' in every .bib.
    "\u2013": "--", "\u2014": "---",
}
# fmt: on
# fmt: off
_SYMBOL_COMMANDS = {
    "\u2013": "--", "\u2014": "---", "\u201c": "``", "\u201d": "''", "\u2018": r"\textquoteleft{}",
    "\u2019": r"\textquoteright{}", "\u2026": r"\ldots{}", "©": r"\textcopyright{}",
    "®": r"\textregistered{}", "™": r"\texttrademark{}", "§": r"\S{}", "¶": r"\P{}", "£": r"\pounds{}",
    "€": r"\texteuro{}", "°": r"\textdegree{}", "¡": r"\textexclamdown{}", "¿": r"\textquestiondown{}",
    "«": r"\guillemotleft{}", "»": r"\guillemotright{}", "‹": r"\guilsinglleft{}", "›": r"\guilsinglright{}",
    "„": r"\quotedblbase{}", "‚": r"\quotesinglbase{}", "·": r"\textperiodcentered{}", "•": r"\textbullet{}",
    "†": r"\dag{}", "‡": r"\ddag{}", "×": r"\texttimes{}", "÷": r"\textdiv{}", "±": r"\textpm{}",
    "µ": r"\textmu{}", "½": r"\textonehalf{}", "¼": r"\textonequarter{}", "¾": r"\textthreequarters{}",
    "ª": r"\textordfeminine{}", "º": r"\textordmasculine{}", "¢": r"\textcent{}", "¥": r"\textyen{}",
    "␣": r"\textvisiblespace{}", "№": r"\textnumero{}", "‰": r"\textperthousand{}",
}
# fmt: on
# fmt: off
_LETTER_COMMANDS = {
    "ß": r"{\ss}", "æ": r"{\ae}", "Æ": r"{\AE}", "œ": r"{\oe}", "Œ": r"{\OE}", "å": r"{\aa}", "Å": r"{\AA}",
    "ø": r"{\o}", "Ø": r"{\O}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}", "ȷ": r"{\j}", "đ": r"{\dj}",
    "Đ": r"{\DJ}", "ð": r"{\dh}", "Ð": r"{\DH}", "þ": r"{\th}", "Þ": r"{\TH}", "ŋ": r"{\ng}", "Ŋ": r"{\NG}",
}
# fmt: on
_GREEK_COMMANDS = {_SYMBOLS[name]: "\\ensuremath{\\" + name + "}" for name in _GREEK}
_MARK_COMMANDS = {mark: command for command, mark in _ACCENTS.items()}

# Characters that unicode_to_latex must change (each pattern a single class: fast to search).
_ENCODE_ASCII_CHARS = re.compile(r"[^\x20-\x22\x27-\x5b\x5d\x60-\x7a\x7c]")
_ENCODE_UTF8_CHARS = re.compile(r"[\x00-\x1f\\{}%&_#$~^\u00a0\u2009\u2013\u2014]")


@lru_cache(maxsize=1 << 16)
def _encode_char(ch: str) -> str | None:
    """The LaTeX for one non-ASCII character, None when there is no text-mode command for it."""
    if ch in _SYMBOL_COMMANDS:
        return _SYMBOL_COMMANDS[ch]
    if ch in _LETTER_COMMANDS:
        return _LETTER_COMMANDS[ch]
    if ch in _GREEK_COMMANDS:
        return _GREEK_COMMANDS[ch]
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or not ("a" <= base.lower() <= "z") or any(m not in _MARK_COMMANDS for m in marks):
        return None
    if unicodedata.normalize("NFC", decomposed) != ch:
        return None
    text = r"\i" if base == "i" and marks[0] in "\u0301\u0300\u0302\u0308\u0304\u0306" else base
    for mark in marks:
        command = _MARK_COMMANDS[mark]
        if command.isalpha():
            text = "\\" + command + "{" + text + "}"
        else:
            text = "\\" + command + (text if len(text) == 1 or text == r"\i" else "{" + text + "}")
    return "{" + text + "}"


def _paired_braces(text: str) -> set[int]:
    """Positions of the braces in `text` that pair up properly ('{' before its '}', nested correctly)."""
    stack: list[int] = []
    paired: set[int] = set()
    for index, ch in enumerate(text):
        if ch == "{":
            stack.append(index)
        elif ch == "}" and stack:
            paired.add(stack.pop())
            paired.add(index)
    return paired


def unicode_to_latex(text: str, ascii: bool = True) -> str:  # `ascii`: the documented name
    """LaTeX for Unicode text such that `latex_to_unicode` gives the text back (see the module docstring)."""
    if (
        (_ENCODE_ASCII_CHARS if ascii else _ENCODE_UTF8_CHARS).search(text) is None
        and "--" not in text
        and "``" not in text
        and "''" not in text
        and "?`" not in text
        and "!`" not in text
    ):
        return text
    return _encode_cached(text, ascii)


# Runs of ASCII characters that stand for themselves whatever is around them: no LaTeX specials, braces,
# quotes, dashes, ? or ! (the characters of ligatures). Written as they are, a run at a time.
_ENCODE_RUN = re.compile(r"[\x00-\x20\x22\x28-\x2c\x2e-\x3e\x40-\x5b\x5d\x61-\x7a\x7c]+")


@lru_cache(maxsize=1 << 16)
def _encode_cached(text: str, ascii: bool) -> str:
    paired = _paired_braces(text) if ("{" in text or "}" in text) else ()
    out: list[str] = []
    append = out.append
    previous = ""
    index, n = 0, len(text)
    run = _ENCODE_RUN.match
    while index < n:
        plain = run(text, index)
        if plain is not None:
            append(plain.group())
            index = plain.end()
            previous = text[index - 1]
            continue
        ch = text[index]
        if ch < "\x7f":
            if ch in _ASCII_SPECIALS:
                piece = _ASCII_SPECIALS[ch]
            elif ch == "{":
                piece = r"\{" if index in paired else r"\textbraceleft{}"
            elif ch == "}":
                piece = r"\}" if index in paired else r"\textbraceright{}"
            elif ch in "`'" and previous == ch:
                piece = "{}" + ch  # keep `` '' from becoming TeX ligatures
            elif ch == "`" and previous in "?!" and previous:
                piece = "{}`"  # ?` and !` are ligatures for ¿ and ¡
            else:
                piece = ch
        elif ch in _ASCII_SPECIALS:
            piece = _ASCII_SPECIALS[ch]
        elif ascii:
            latex = _encode_char(ch)
            piece = latex if latex is not None else ch
        else:
            piece = ch
        if piece[0] == "-" and out and out[-1][-1] == "-":
            append("{}")  # a hyphen or dash beside another would join it in a longer TeX dash ligature
        append(piece)
        previous = ch
        index += 1
    return "".join(out)


# ------------------------------------------------------------------------------------ protecting words

_TRAILING = set("()[]:;,.!?\"'")


_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")


def _needs_protection(word: str) -> bool:
    """A capital after the first letter, or letters and digits together."""
    first = _LETTER.search(word)
    if first is None:
        return False
    rest = word[first.end() :]
    return rest != rest.lower() or _DIGIT.search(word) is not None


def _balanced(text: str) -> bool:
    if "{" not in text and "}" not in text:
        return True
    depth, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


def _protect_token(token: str) -> str:
    start, end = 0, len(token)
    while start < end and token[start] in _TRAILING:
        start += 1
    while end > start and token[end - 1] in _TRAILING:
        # a character after a backslash belongs to a control symbol such as \, or \'
        backslashes = 0
        k = end - 2
        while k >= start and token[k] == "\\":
            backslashes += 1
            k -= 1
        if backslashes % 2:
            break
        end -= 1
    core = token[start:end]
    if not core or not _balanced(core):
        return token
    if core[0] == "{" and group_end(core, 0) == len(core) and not core.startswith("{\\"):
        return token  # already protected
    if not _needs_protection(latex_to_unicode(core)):
        return token
    if core[0] == "\\":  # `{\cmd...}` would be a BibTeX special character, whose letters are case-changed
        return token[:start] + "{{" + core + "}}" + token[end:]
    return token[:start] + "{" + core + "}" + token[end:]


_TOKENS = re.compile(r"(\s+)")
# After its first character, a word that may need braces has a capital, a digit, a command or non-ASCII
# (written as a negated class: a class up to U+10FFFF takes milliseconds to compile).
_MAYBE_PROTECT = re.compile(r"[^\x00-\x2f\x3a-\x40\x5b\x5d-\x7f]")
_UNESCAPED_BRACES = re.compile(r"(?<!\\)[{}]")


# A word with a capital, digit, backslash or non-ASCII character after its first character, or a digit first.
_CANDIDATE_WORD = re.compile(r"(?<!\S)(?:[0-9]|\S(?=\S*?[^\x00-\x2f\x3a-\x40\x5b\x5d-\x7f]))\S*")


def _protect_match(match: re.Match[str]) -> str:
    return _protect_token(match.group())


@lru_cache(maxsize=1 << 14)
def protect_capitals(title: str) -> str:
    """Brace the words of a LaTeX title that BibTeX styles must not lower-case.

    A word needs braces when it has a capital after its first letter (DoReMi, LLMs, I/O) or mixes letters
    and digits (GPT-3, x86). Input and output are LaTeX; words already in braces are left alone, so the
    function is idempotent. Only top-level words are considered.
    """
    if _MAYBE_PROTECT.search(title, 1) is None and not title[:1].isdigit():
        return title
    if "{" not in title and "}" not in title:  # no groups: only candidate words need a look
        return _CANDIDATE_WORD.sub(_protect_match, title)
    out: list[str] = []
    depth = 0
    for part in _TOKENS.split(title):
        if (
            depth == 0
            and part
            and not part[0].isspace()
            and (_MAYBE_PROTECT.search(part, 1) is not None or part[0].isdigit())
        ):
            out.append(_protect_token(part))
        else:
            out.append(part)
        if "{" in part or "}" in part:
            # a group spanning several words protects them already
            for match in _UNESCAPED_BRACES.finditer(part):
                if match.group() == "{":
                    depth += 1
                elif depth:
                    depth -= 1
    return "".join(out)
