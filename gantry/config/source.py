"""Read a stack file (`Pulumi.<stack>.yaml`) and validate it, with file and line in every problem.

The engine hands the program config without positions; tools that read the
file themselves (`make check`, `make render`, `make rules`) use this so a
message points at the line to fix, YAML syntax errors included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .loader import NAMESPACE, KeyPath, StackConfigError, parse_stack_config, render_key
from .stack import StackConfig


def stack_file(repo: Path, stack: str) -> Path:
    return repo / f"Pulumi.{stack}.yaml"


def committed_stacks(repo: Path) -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in repo.glob("Pulumi.*.yaml")
    )


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class StackFile:
    """The `gantry:` keys of one stack file, and where each key path is written."""

    path: Path
    raw: dict[str, Any]
    secure: list[str]
    """Keys whose value is a `secure:` ciphertext (never validated, never read)."""
    root: yaml.MappingNode | None = field(default=None, repr=False)

    def locate(self, key: KeyPath) -> str | None:
        """`file:line` of the deepest part of `key` the file writes."""
        line = self._line(key)
        return f"{_display(self.path)}:{line}" if line is not None else _display(self.path)

    def _line(self, key: KeyPath) -> int | None:
        config = _child(self.root, "config") if self.root is not None else None
        if config is None or not key:
            return None
        node, line = _entry(config, f"{NAMESPACE}:{key[0]}")
        for part in key[1:]:
            if node is None:
                break
            node, deeper = _entry(node, part)
            line = deeper if deeper is not None else line
        return line


def _entry(node: yaml.Node, part: int | str) -> tuple[yaml.Node | None, int | None]:
    """The child at `part` and the 1-based line where it is written (its key, for mappings)."""
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key_node, value_node in node.value:
            if key_node.value == part:
                return value_node, key_node.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item, item.start_mark.line + 1
    return None, None


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    return _entry(node, key)[0]


def _duplicates(node: yaml.Node | None, path: str = "") -> list[tuple[int, str]]:
    """Keys written twice in one mapping (YAML keeps the last silently): (line, key path)."""
    found: list[tuple[int, str]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            name = str(key_node.value)
            here = f"{path}.{name}" if path else name
            if name in seen:
                found.append((key_node.start_mark.line + 1, here))
            seen.add(name)
            found.extend(_duplicates(value_node, here))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.extend(_duplicates(item, f"{path}[{index}]"))
    return found


_INDENTATION_HINTS = ("expected <block end>", "mapping values are not allowed", "expected '-'")


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def read_stack_file(path: Path, stack: str) -> StackFile:
    """Parse the YAML; a syntax error or a duplicated key is a StackConfigError with its line."""
    where = _display(path)
    if not path.is_file():
        stacks = ", ".join(committed_stacks(path.parent)) or "none"
        raise StackConfigError(stack, [f"{where}: no such stack file (stacks here: {stacks})"])
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text) or {}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        place = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark else where
        detail = "; ".join(str(p) for p in (error.context, error.problem) if p)
        if any(hint in detail for hint in _INDENTATION_HINTS):
            detail += " (usually the indentation of this line or the one above)"
        raise StackConfigError(stack, [f"{place}: YAML syntax error: {detail}"]) from None
    problems = [
        f"{where}:{line}: {key.removeprefix('config.')}: written twice; YAML would keep the last"
        for line, key in _duplicates(root)
    ]
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        problems.append(f"{where}: no `config:` mapping")
        raise StackConfigError(stack, problems)
    if problems:
        raise StackConfigError(stack, problems)
    prefix = f"{NAMESPACE}:"
    gantry = {k.removeprefix(prefix): v for k, v in config.items() if k.startswith(prefix)}
    secure = sorted(k for k, v in gantry.items() if _is_secure(v))
    raw = {k: v for k, v in gantry.items() if k not in secure}
    node = root if isinstance(root, yaml.MappingNode) else None
    return StackFile(path=path, raw=raw, secure=secure, root=node)


def _named_secrets(node: Any) -> set[str]:
    """Config keys the stack names as holding secrets (`secret:`, `*_secret:` fields)."""
    names: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key) == "secret" or str(key).endswith("_secret"):
                names.update([value] if isinstance(value, str) else [])
            names |= _named_secrets(value)
    elif isinstance(node, list):
        for item in node:
            names |= _named_secrets(item)
    return names


def load_stack_file(path: Path, stack: str) -> StackConfig:
    """The typed config of a stack file; StackConfigError lists every problem with its line.

    A key the config names as a secret must be a `secure:` value: a plain one
    is a problem (its value is never echoed), and neither kind is validated.
    """
    source = read_stack_file(path, stack)
    plain = sorted(_named_secrets(source.raw) & set(source.raw))
    raw = {k: v for k, v in source.raw.items() if k not in plain}
    leaked = [
        f"{source.locate((k,))}: {render_key((k,))}: holds a plain value; "
        f"set it with `pulumi config set --secret {k} <value>`"
        for k in plain
    ]
    try:
        config = parse_stack_config(raw, stack, locate=source.locate)
    except StackConfigError as error:
        raise StackConfigError(stack, error.problems + leaked) from None
    if leaked:
        raise StackConfigError(stack, leaked)
    return config


def load_stack(repo: Path, stack: str) -> StackConfig:
    """`Pulumi.<stack>.yaml` of `repo`, typed."""
    return load_stack_file(stack_file(repo, stack), stack)
