"""Code blocks and tables: shown in the transcript as written, announced to the listener.

A voice that reads ``for (let i = 0; i < n; i++) {`` character by character helps nobody,
and neither does a table read cell by cell. The listener hears one short sentence saying
what is there and where to find it; the transcript (and the talking book) keep the text.
"""

from __future__ import annotations

from collections.abc import Sequence

WHERE = "the transcript has it"
LANGUAGES = {  # a fence's info string -> how the language is said
    "py": "Python",
    "python": "Python",
    "python3": "Python",
    "js": "JavaScript",
    "javascript": "JavaScript",
    "jsx": "JavaScript",
    "ts": "TypeScript",
    "typescript": "TypeScript",
    "tsx": "TypeScript",
    "sh": "shell",
    "bash": "shell",
    "zsh": "shell",
    "shell": "shell",
    "console": "shell",
    "powershell": "PowerShell",
    "rb": "Ruby",
    "ruby": "Ruby",
    "go": "Go",
    "golang": "Go",
    "rust": "Rust",
    "rs": "Rust",
    "java": "Java",
    "kotlin": "Kotlin",
    "c": "C",
    "cpp": "C++",
    "c++": "C++",
    "csharp": "C sharp",
    "cs": "C sharp",
    "php": "PHP",
    "html": "HTML",
    "xml": "XML",
    "css": "CSS",
    "scss": "CSS",
    "sql": "SQL",
    "yaml": "YAML",
    "yml": "YAML",
    "toml": "TOML",
    "json": "JSON",
    "markdown": "Markdown",
    "md": "Markdown",
    "liquid": "Liquid",
    "dockerfile": "Dockerfile",
    "swift": "Swift",
    "r": "R",
    "mermaid": "Mermaid",
}


def language_of(info: str) -> str | None:
    """The language a fence names, as said aloud; None for none or an unknown one.

    >>> language_of("python {linenos=true}"), language_of("{.js}"), language_of("text")
    ('Python', 'JavaScript', None)
    """
    first = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    first = first.strip("{}").lstrip(".").casefold()
    return LANGUAGES.get(first)


def code_note(info: str, code: str) -> str:
    """What the listener hears for a code block.

    >>> code_note("python", "import os\\nprint(os.sep)\\n")
    'Here the text shows a Python code example, 2 lines long; the transcript has it.'
    >>> code_note("", "make")
    'Here the text shows a code example, 1 line long; the transcript has it.'
    """
    language = language_of(info)
    lines = sum(1 for line in code.split("\n") if line.strip())
    what = f"a {language} code example" if language else "a code example"
    return f"Here the text shows {what}, {lines} line{'s' * (lines != 1)} long; {WHERE}."


def joined(words: Sequence[str]) -> str:
    """
    >>> joined(["Year"]), joined(["Year", "Rain"]), joined(["A", "B", "C"])
    ('Year', 'Year and Rain', 'A, B and C')
    """
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def table_note(rows: Sequence[Sequence[str]]) -> str:
    """What the listener hears for a table: its size and its columns' names.

    >>> table_note([["Year", "Rain"], ["2023", "610 mm"], ["2024", "702 mm"]])
    'Here the text shows a table of 2 rows, with the columns Year and Rain; the transcript has it.'
    >>> table_note([["", ""], ["a", "b"]])
    'Here the text shows a table of 1 row and 2 columns; the transcript has it.'
    """
    header = [cell for cell in rows[0] if cell] if rows else []
    body = len(rows) - 1
    size = f"a table of {body} row{'s' * (body != 1)}"
    if header:
        return f"Here the text shows {size}, with the columns {joined(header)}; {WHERE}."
    columns = max((len(row) for row in rows), default=0)
    return f"Here the text shows {size} and {columns} columns; {WHERE}."


def table_text(rows: Sequence[Sequence[str]]) -> str:
    """The table as the transcript shows it, one line: cells by " | ", rows by " / ".

    >>> table_text([["Year", "Rain"], ["2023", "610 mm"]])
    'Year | Rain / 2023 | 610 mm'
    """
    return " / ".join(" | ".join(row) for row in rows)
