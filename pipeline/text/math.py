"""TeX math as blogs write it for KaTeX or MathJax ($…$ in a sentence, $$…$$ on its own
lines), said as words rather than spelled out a command at a time ("varphi equals dfrac").

A formula a listener can follow by ear is read: letters, numbers, Greek letters, powers,
indices, roots, fractions, relations, sums and integrals ("$x^2 + 1$" is "x squared plus
1"; "$\\frac{a}{b}$" is "a over b"). One this module cannot read (a command it does not
know, a matrix, more than MAX_WORDS words) is announced, as a code block is: "a formula"
in a sentence, and on its own lines "Here the text shows a formula; the transcript has
it." The transcript shows the TeX as the author wrote it. The words are English, as the
code blocks' announcements are.

In any text, $…$ is math only as Pandoc reads it: a non-space after the opening $, a
non-space before the closing $, and no digit right after it; so "$5 and $10" is money.
"""

from __future__ import annotations

import re

MAX_WORDS = 24  # longer than this, a formula is hard to follow by ear: it is announced
FORMULA = "a formula"
WHERE = "the transcript has it"

# $…$ in running text, by Pandoc's rules (see the module's docstring).
INLINE = re.compile(r"(?<![\\$\w])\$(?=[^\s$])((?:[^$\\]|\\.)+?)(?<=[^\s\\])\$(?![\d$])")
TEX_MARKS = re.compile(r"\\[A-Za-z]|[\^_{}=]")


def looks_like_tex(text: str) -> bool:
    """Whether ``text``, found between math delimiters, has anything of TeX in it (a
    command, a power or an index, braces, an equals sign): else the delimiters were
    something else, such as money ("$10, not $20") or a parenthesis written ``\\(``.

    >>> looks_like_tex(r" \\alpha + 1 "), looks_like_tex("x^2"), looks_like_tex("10, not ")
    (True, True, False)
    """
    return bool(TEX_MARKS.search(text))


GREEK = [
    *("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"),
    *("lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi"),
    *("chi", "psi", "omega"),
]
WORDS: dict[str, str] = {
    **{name: name for name in GREEK},
    **{name.capitalize(): f"capital {name}" for name in GREEK},
    "varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho",
    "varsigma": "sigma", "varpi": "pi",
    "cdot": "times", "times": "times", "ast": "star", "star": "star", "div": "divided by",
    "dagger": "dagger", "langle": "", "rangle": "", "lvert": "", "rvert": "", "mid": "such that",
    "pm": "plus or minus", "mp": "minus or plus",
    "le": "is at most", "leq": "is at most", "ge": "is at least", "geq": "is at least",
    "ne": "is not equal to", "neq": "is not equal to", "approx": "is approximately",
    "sim": "is similar to", "equiv": "is equivalent to", "propto": "is proportional to",
    "lt": "is less than", "gt": "is greater than", "ll": "is much less than",
    "gg": "is much greater than",
    "infty": "infinity", "partial": "partial", "nabla": "nabla", "ell": "l",
    "to": "to", "rightarrow": "to", "mapsto": "maps to", "Rightarrow": "implies",
    "implies": "implies", "iff": "if and only if", "in": "in", "notin": "not in",
    "subset": "subset of", "subseteq": "subset of", "cup": "union", "cap": "intersection",
    "forall": "for all", "exists": "there is", "neg": "not", "land": "and", "lor": "or",
    "sum": "the sum", "prod": "the product", "int": "the integral",
    "oint": "the contour integral", "lim": "the limit", "max": "max", "min": "min",
    "sin": "sine", "cos": "cosine", "tan": "tangent", "log": "log", "ln": "natural log",
    "exp": "exp", "det": "determinant", "deg": "degrees", "circ": "degrees",
    "ldots": "and so on", "cdots": "and so on", "dots": "and so on", "prime": "prime",
    "over": "over",
}  # fmt: skip
SYMBOLS = {
    "+": "plus", "-": "minus", "=": "equals", "<": "is less than", ">": "is greater than",
    "/": "over", "!": "factorial", "'": "prime", "|": "", "(": "", ")": "", "[": "", "]": "",
    ",": ",", ".": ".", ":": "", ";": ",", "…": "and so on",
}  # fmt: skip
SILENT = {
    "nonumber", "notag", "left", "right", "big", "Big", "bigg", "Bigg", "displaystyle",
    "limits", "quad", "qquad", ",", ";", ":", "!", " ", "{", "}", "|", "%", "&", "#", "_", "$",
}  # fmt: skip
ACCENTS = {"overline": "bar", "bar": "bar", "hat": "hat", "widehat": "hat", "tilde": "tilde",
           "vec": "vector", "dot": "dot", "ddot": "double dot"}  # fmt: skip
UNSAID = {"label", "tag"}  # an equation's label or number: for references, not read
ENVIRONMENTS = {"equation", "equation*", "displaymath"}  # one formula, nothing more
STYLES = {"mathit", "mathbf", "mathsf", "mathbb", "mathcal", "mathfrak", "boldsymbol"}
FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac"}
TOKENS = re.compile(r"\x01[^\x02]*\x02|\\[A-Za-z]+|\\.|\d+(?:\.\d+)?|[A-Za-z]|\S")
# \text{…} and its kin hold words, kept whole (between \x01 and \x02) before tokenizing.
TEXT_ARGUMENT = re.compile(
    r"\\(?:text|textrm|textit|textbf|mbox|mathrm|operatorname)\s*\{([^{}]*)\}"
)


class Unreadable(Exception):
    """A construct the reading does not know."""


def read_tex(tex: str) -> str | None:
    """The formula as words, or None when it cannot be read by ear.

    >>> read_tex(r"x^2 + 1"), read_tex(r"\\frac{a}{b}"), read_tex(r"E = mc^2")
    ('x squared plus 1', 'a over b', 'E equals m c squared')
    >>> read_tex(r"\\varphi = \\dfrac{1+\\sqrt5}{2}")
    'phi equals 1 plus the square root of 5, over 2'
    >>> read_tex(r"A{\\text{ Hermitian}} \\iff a_{ij}={\\overline {a_{ji}}}")
    'A Hermitian if and only if a sub i j equals a sub j i bar'
    >>> read_tex(r"\\sum_{i=1}^{n} x_i"), read_tex(r"a_{ij} \\le \\sqrt[3]{b}")
    ('the sum from i equals 1 to n of x sub i', 'a sub i j is at most the cube root of b')
    >>> read_tex(r"\\begin{pmatrix} a & b \\end{pmatrix}") is None
    True
    >>> read_tex(r"\\begin{equation} x = {-b \\pm c \\over 2} \\label{e:1} \\end{equation}")
    'x equals minus b plus or minus c over 2'
    """
    marked = TEXT_ARGUMENT.sub(lambda match: f"\x01{match[1]}\x02", tex)
    try:
        words = _sequence(TOKENS.findall(marked), 0, top=True)[0]
    except Unreadable:
        return None
    text = " ".join(word for word in words if word).replace(" ,", ",").replace(" .", ".")
    text = re.sub(r"\s+", " ", text).strip(" ,")
    return text if text and len(text.split()) <= MAX_WORDS else None


def spoken_inline(text: str) -> str:
    """``text`` with each $…$ formula in it read as words (or announced).

    >>> spoken_inline("Take $x^2$ and $\\\\frac{1}{2}$, then $\\\\begin{x}$.")
    'Take x squared and 1 over 2, then a formula.'
    >>> spoken_inline("It costs $5 and $10, or $ 4 $ in all.")  # money, not math
    'It costs $5 and $10, or $ 4 $ in all.'
    """
    if "$" not in text:
        return text
    return INLINE.sub(lambda match: read_tex(match[1]) or FORMULA, text)


def display_note(tex: str) -> str:
    """What the voice says for a formula on its own lines: it, or that it is there.

    >>> display_note(r"E = mc^2")
    'E equals m c squared.'
    >>> display_note(r"\\begin{aligned} a &= b \\end{aligned}")
    'Here the text shows a formula; the transcript has it.'
    """
    words = read_tex(tex)
    return f"{words}." if words else f"Here the text shows {FORMULA}; {WHERE}."


def _sequence(tokens: list[str], at: int, *, top: bool = False) -> tuple[list[str], int]:
    """Words for tokens from ``at`` to the closing brace of the group (or the end)."""
    words: list[str] = []
    while at < len(tokens):
        token = tokens[at]
        if token == "}":
            if top:
                raise Unreadable(token)
            return words, at + 1
        if token in ("^", "_"):
            script, at = _argument(tokens, at + 1)
            words.append(_script(token, script))
            continue
        atom, at = _atom(tokens, at)
        words.extend(atom)
    if not top:
        raise Unreadable("an unclosed group")
    return words, at


def _script(mark: str, words: list[str]) -> str:
    said = " ".join(words)
    if mark == "_":
        return f"sub {said}"
    return {"2": "squared", "3": "cubed"}.get(said, f"to the power of {said}")


def _argument(tokens: list[str], at: int) -> tuple[list[str], int]:
    """One argument: a {group}, or a single token."""
    if at >= len(tokens):
        raise Unreadable("a missing argument")
    if tokens[at] == "{":
        return _sequence(tokens, at + 1)
    return _atom(tokens, at)


def _atom(tokens: list[str], at: int) -> tuple[list[str], int]:
    token = tokens[at]
    if token == "{":
        return _sequence(tokens, at + 1)
    if token.startswith("\x01"):  # \text{ for all }: its words
        return [token.strip("\x01\x02").strip()], at + 1
    if not token.startswith("\\"):
        if token[0].isalnum():
            return [token], at + 1
        if token in SYMBOLS:
            return [SYMBOLS[token]], at + 1
        raise Unreadable(token)
    name = token[1:]
    if name in SILENT:
        return [], at + 1
    if name in ("sum", "prod", "int", "oint", "lim") and at + 1 < len(tokens):
        return _bounded(tokens, at + 1, WORDS[name])
    if name in WORDS:
        return [WORDS[name]], at + 1
    if name in FRACTIONS:
        top, at = _argument(tokens, at + 1)
        bottom, at = _argument(tokens, at)
        return [*_grouped(top), "over", *bottom], at
    if name == "sqrt":
        degree: list[str] = []
        if at + 1 < len(tokens) and tokens[at + 1] == "[":
            end = tokens.index("]", at + 1)
            degree, at = tokens[at + 2 : end], end
        inner, at = _argument(tokens, at + 1)
        root = {"": "square", "3": "cube"}.get(" ".join(degree), f"{' '.join(degree)}th")
        return [f"the {root} root of", *_grouped(inner)], at
    if name in STYLES:  # a font: the letters are read
        inner, at = _argument(tokens, at + 1)
        return inner, at
    if name in ACCENTS:
        inner, at = _argument(tokens, at + 1)
        return [*inner, ACCENTS[name]], at
    if name in UNSAID:
        return [], _argument(tokens, at + 1)[1]
    environment = _raw_group(tokens, at + 1)
    if name in ("begin", "end") and "".join(environment) in ENVIRONMENTS:
        return [], at + len(environment) + 3
    raise Unreadable(token)


def _raw_group(tokens: list[str], at: int) -> list[str]:
    """The tokens of a {group} at ``at`` as written (an environment's name)."""
    if at >= len(tokens) or tokens[at] != "{" or "}" not in tokens[at:]:
        return []
    return tokens[at + 1 : tokens.index("}", at)]


def _bounded(tokens: list[str], at: int, word: str) -> tuple[list[str], int]:
    """A sum, product, integral or limit and its bounds: "the sum from i equals 1 to n of"."""
    lower: list[str] = []
    upper: list[str] = []
    while at < len(tokens) and tokens[at] in ("_", "^"):
        mark = tokens[at]
        bound, at = _argument(tokens, at + 1)
        lower, upper = (bound, upper) if mark == "_" else (lower, bound)
    if not (lower or upper):
        return [word], at
    if word == "the limit":
        return [word, "as", *lower, "of"], at
    return [word, "from" if upper else "over", *lower, *(["to", *upper] if upper else []), "of"], at


def _grouped(words: list[str]) -> list[str]:
    """A fraction's top or a root's inside: a pause after it when it is several terms."""
    return [*words[:-1], f"{words[-1]},"] if len(words) > 1 else words
