"""The layout rules every module of src/hcsworkforce keeps (DESIGN 2, STYLE lesson 12): each module starts with a
docstring saying its job, and imports sit at the module top unless a comment on the import says why (an optional
heavy dependency, an import cycle, or the start-up time of `hcs JOB`)."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "hcsworkforce"


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _is_empty_init(path: Path, tree: ast.Module) -> bool:
    return path.name == "__init__.py" and not tree.body


def _comment_lines(source: str) -> set[int]:
    """Line numbers that carry a comment."""
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            lines.add(tok.start[0])
    return lines


def _imports_in_functions(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            found.extend(n for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom))
    return list({id(n): n for n in found}.values())  # a nested function's imports once


def test_the_package_has_modules() -> None:
    assert len(_modules()) > 50


def test_every_module_starts_with_a_docstring() -> None:
    missing = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if _is_empty_init(path, tree):
            continue
        doc = ast.get_docstring(tree)
        if not doc or not doc.strip():
            missing.append(str(path.relative_to(SRC)))
    assert missing == [], "modules without a docstring saying their job: " + ", ".join(missing)


def _import_block(lines: list[str], lineno: int) -> range:
    """The line numbers of the run of import statements (with continuation lines) that holds ``lineno``."""

    def is_import(i: int) -> bool:
        text = lines[i - 1].strip()
        return text.startswith(("import ", "from ")) or text.endswith((",", "(")) or text == ")"

    start = end = lineno
    while start > 1 and is_import(start - 1):
        start -= 1
    while end < len(lines) and is_import(end + 1):
        end += 1
    return range(start, end + 1)


def test_every_import_inside_a_function_says_why() -> None:
    """A comment on the import's block of imports (its lines, or the line just above them) says why."""
    bare = []
    for path in _modules():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        commented = _comment_lines(source)
        for node in _imports_in_functions(tree):
            block = _import_block(lines, node.lineno)
            if not any(line in commented for line in range(block.start - 1, block.stop)):
                bare.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert bare == [], (
        f"{len(bare)} imports inside functions with no comment on the line saying why (an optional heavy "
        "dependency, an import cycle, start-up time); move them to the module top or say why: "
        + ", ".join(bare)
    )
