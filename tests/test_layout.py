"""The package's layout: stages import one way (no cycles), and light commands stay light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "voiceguide"
HEAVY = ("numpy", "pydub", "pyttsx3", "piper")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The voiceguide modules ``path`` imports anywhere in it (lazy imports in functions too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target in modules:
                found.add(target)
            for alias in node.names:  # ``from . import pipeline`` imports a module
                if f"{target}.{alias.name}" in modules:
                    found.add(f"{target}.{alias.name}")
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(path): imports_of(path, modules) for path in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of imports as a list of module names (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert "voiceguide.share.archive" in graph["voiceguide.pipeline"]
    assert "voiceguide.pipeline" in graph["voiceguide.share.bundle"]
    assert "voiceguide.audio.master" in graph["voiceguide.pipeline"]  # a lazy import counts


def test_a_cycle_is_found() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles() -> None:
    assert find_cycle(import_graph()) is None


def test_stages_do_not_import_later_stages() -> None:
    graph = import_graph()
    order = ["format", "script", "engines", "audio", "share"]
    for module, targets in graph.items():
        parts = module.split(".")
        if len(parts) < 3 or parts[1] not in order:
            continue
        for target in targets:
            stage = target.split(".")[1] if target.count(".") else ""
            if stage in order:
                assert order.index(stage) <= order.index(parts[1]), f"{module} imports {target}"
            if module.startswith(("voiceguide.format", "voiceguide.script", "voiceguide.audio")):
                assert not target.startswith(("voiceguide.cli", "voiceguide.pipeline")), (
                    f"{module} imports {target}")


def loaded_modules(*args: str) -> set[str]:
    """The top-level packages loaded by ``voiceguide ARGS`` in a fresh interpreter."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('LOADED ' + ' '.join(sorted({m.split('.')[0] "
        "for m in sys.modules})) + '\\n'))\n"
        "from voiceguide.cli import main\n"
        f"sys.argv = ['voiceguide', *{list(args)!r}]\n"
        "main()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED "))
    return set(line.split()[1:])


@pytest.mark.parametrize("args", [["--help"], ["validate", "back-strengthening"],
                                  ["render", "--help"]])
def test_light_commands_load_no_audio_stack(args: list[str]) -> None:
    loaded = loaded_modules(*args)
    assert "voiceguide" in loaded and "click" in loaded
    assert not loaded & set(HEAVY), f"voiceguide {' '.join(args)} loaded {loaded & set(HEAVY)}"


def test_a_render_does_load_them() -> None:
    """The check above can fail: a command that makes sound loads numpy and pydub."""
    assert {"numpy", "pydub"} <= loaded_modules("preview", "back-strengthening")
