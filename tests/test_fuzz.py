"""Fuzzing the loader, the customizer and the compiler with hypothesis.

Valid routines (generated as data, written out as YAML text) must load and compile into a timeline
whose segments are ordered, contiguous, non-overlapping and cover 0..duration. Mutated, malformed
and random inputs must either load (and then compile just as well) or raise the project's own
InputError; anything else is a bug. No audio: phrase lengths come from a fake measure function.

Each run draws new examples (hypothesis's random seed, printed with a failure, and failing examples
replayed from its database); ``pytest tests/test_fuzz.py --hypothesis-seed=N`` repeats one run
exactly. The tests count what compiled, so a change that refuses every input fails.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from voiceguide import InputError, load_routine, parse_routine
from voiceguide.model import LEVELS, Routine, Timeline
from voiceguide.script.compile import compile_timeline
from voiceguide.script.customize import Customization, customize
from voiceguide.script.phrases import load_phrases

from conftest import SMALL

pytestmark = pytest.mark.slow  # hundreds of generated routines

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TOLERANCE = 1e-6


def fake_measure(text: str) -> float:
    """A deterministic phrase length from 0 s (an empty clip) to 4.5 s, long enough to overrun."""
    return (sum(map(ord, text)) % 46) / 10


def check_timeline(timeline: Timeline, routine: Routine) -> None:
    """Ordered, non-overlapping, contiguous segments from 0 to the duration; chapters likewise."""
    segments = timeline.segments
    assert segments, "an empty timeline"
    assert abs(segments[0].start) <= TOLERANCE
    for before, after in itertools.pairwise(segments):
        assert after.start >= before.end - TOLERANCE, (before, after)  # no overlap
        assert after.start <= before.end + TOLERANCE, (before, after)  # no hole
    for segment in segments:
        assert segment.end > segment.start, segment
        assert segment.kind in ("speech", "silence")
        assert bool(segment.text) == (segment.kind == "speech"), segment
    assert timeline.duration == segments[-1].end
    assert abs(sum(s.duration for s in segments) - timeline.duration) <= TOLERANCE * len(segments)
    chapters = timeline.chapters
    assert abs(chapters[0].start) <= TOLERANCE
    assert abs(chapters[-1].end - timeline.duration) <= TOLERANCE
    for before, after in itertools.pairwise(chapters):
        assert after.start == before.end and after.start >= before.start
    assert [c.exercise for c in chapters if c.exercise] == [e.id for e in routine.exercises]


def compile_checked(routine: Routine, choices: Customization | None = None) -> Timeline:
    resolved = customize(routine, choices)
    timeline = compile_timeline(resolved, load_phrases(resolved.language), fake_measure)
    check_timeline(timeline, resolved)
    return timeline


# --- strategies: valid routines --------------------------------------------------------------

def speakable(text: str) -> bool:
    words = " ".join(text.split())
    return bool(words) and any(c.isalnum() for c in words)


TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc", "Co", "Cn")), min_size=1,
               max_size=30).filter(speakable)
TEXTS = TEXT | st.lists(TEXT, min_size=1, max_size=3)
SLUG = st.from_regex(r"[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,3})?", fullmatch=True)
SECONDS = st.floats(min_value=0.05, max_value=40, allow_nan=False) | st.integers(1, 40)
PAUSE = st.floats(min_value=0, max_value=5, allow_nan=False) | st.integers(0, 5)


def count_or_range(high: int) -> st.SearchStrategy[Any]:
    pair = st.tuples(st.integers(1, high), st.integers(0, 4)).map(
        lambda p: f"{p[0]}-{p[0] + p[1]}")
    return st.integers(1, high) | pair


PHASE = st.one_of(
    st.fixed_dictionaries({"say": TEXT, "seconds": SECONDS}),
    st.fixed_dictionaries({"hold": count_or_range(8)}),
)
OPTIONAL_EXERCISE = {
    "description": TEXT, "equipment": TEXTS, "setup": TEXTS, "tip": TEXT,
    "sides": st.sampled_from(["none", "each", "alternate"]), "sets": st.integers(1, 3),
    "rest": PAUSE, "rest_between_sets": PAUSE, "changeover": PAUSE,
}


@st.composite
def exercises(draw: st.DrawFn, exercise_id: str) -> dict[str, Any]:
    exercise: dict[str, Any] = {"id": exercise_id, "name": draw(TEXT)}
    if draw(st.booleans()):
        exercise["duration"] = draw(SECONDS)
    else:
        exercise["reps"] = draw(count_or_range(12))
        exercise["rep"] = draw(st.lists(PHASE, min_size=1, max_size=3))
    exercise.update(draw(st.fixed_dictionaries({}, optional=OPTIONAL_EXERCISE)))
    return exercise


@st.composite
def routines(draw: st.DrawFn) -> dict[str, Any]:
    routine: dict[str, Any] = {"title": draw(TEXT)}
    routine.update(draw(st.fixed_dictionaries({}, optional={
        "author": TEXT, "description": TEXT, "intro": TEXTS, "safety": TEXTS, "outro": TEXTS,
        "defaults": st.fixed_dictionaries({}, optional={
            "rest": PAUSE, "rest_between_sets": PAUSE, "changeover": PAUSE, "pause": PAUSE,
            "get_ready": st.integers(0, 10)}),
    })))
    ids = draw(st.lists(SLUG, min_size=1, max_size=4, unique=True))
    routine["exercises"] = [draw(exercises(exercise_id)) for exercise_id in ids]
    return routine


def as_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def choices(draw: st.DrawFn, ids: list[str]) -> Customization:
    reps = draw(st.dictionaries(st.sampled_from(ids), st.integers(1, 40), max_size=len(ids)))
    return Customization(level=draw(st.sampled_from(LEVELS)), reps=reps)


def outcomes(check: Callable[[st.DataObject], str]) -> list[str]:
    """Run ``check`` on FUZZ's examples; what it returned for each, to count."""
    found: list[str] = []

    @FUZZ
    @given(st.data())
    def example(data: st.DataObject) -> None:
        found.append(check(data))
        event(found[-1])

    example()
    return found


def test_every_valid_routine_loads_and_compiles_into_a_covering_timeline() -> None:
    def check(data: st.DataObject) -> str:
        spec = data.draw(routines())
        routine = parse_routine(as_yaml(spec), "fuzz.yaml")
        assert [e.id for e in routine.exercises] == [e["id"] for e in spec["exercises"]]
        assert routine.title == " ".join(spec["title"].split())
        counted = [e["id"] for e in spec["exercises"] if "reps" in e]
        compile_checked(routine, data.draw(choices(counted)) if counted else None)
        return "compiled"

    assert len(outcomes(check)) >= 100  # every example compiled (a refusal fails above)


# --- invalid and mutated input ---------------------------------------------------------------

EVIL = ["-1", "0", "1e999", ".nan", "-.inf", "[", "]", "{", "&a x", "*a", "!!python/name:os.system",
        "'", '"', "\t", "~", "yes", "15-12", "0-3", "9" * 5000, "- x", ": x", "|", ">", "@", "`",
        "%YAML 1.1", "---", "...", "? x", "<<: *a", "\x07", "\ufeff", "2024-01-01", "=", "3-",
        "1_000", "0x1F", "1:30", "[1, 2]", "{a: 1}", "'...'", "!include x.yaml", "\u202e"]
MUTATION = st.sampled_from(["delete", "insert", "replace-value", "drop-line", "duplicate-line",
                            "swap-lines", "indent", "truncate"])


def mutate(text: str, kind: str, data: st.DataObject) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return data.draw(st.sampled_from(EVIL))
    pick = data.draw(st.integers(0, len(lines) - 1))
    if kind == "delete":
        start = data.draw(st.integers(0, len(text)))
        return text[:start] + text[start + data.draw(st.integers(1, 20)):]
    if kind == "insert":
        at = data.draw(st.integers(0, len(text)))
        extra = data.draw(st.sampled_from(EVIL) | st.text(max_size=8))
        return text[:at] + extra + text[at:]
    if kind == "replace-value":
        head, sep, _value = lines[pick].partition(": ")
        value = data.draw(st.sampled_from(EVIL) | st.text(max_size=12))
        lines[pick] = f"{head}{sep or ': '}{value}\n"
    elif kind == "drop-line":
        del lines[pick]
    elif kind == "duplicate-line":
        lines.insert(pick, lines[pick])
    elif kind == "swap-lines":
        other = data.draw(st.integers(0, len(lines) - 1))
        lines[pick], lines[other] = lines[other], lines[pick]
    elif kind == "indent":
        lines[pick] = " " * data.draw(st.integers(1, 3)) + lines[pick]
    else:
        return text[: data.draw(st.integers(0, len(text)))]
    return "".join(lines)


def load_or_input_error(text: str) -> Routine | None:
    """The routine, or None for an InputError; any other exception fails the test."""
    try:
        return parse_routine(text, "fuzz.yaml")
    except InputError as error:
        assert str(error).startswith("fuzz.yaml"), error
        return None


@settings(FUZZ, max_examples=200)
@given(st.data(), st.lists(MUTATION, min_size=1, max_size=3))
def test_mutated_routines_load_and_compile_or_raise_input_error(
        data: st.DataObject, kinds: list[str]) -> None:
    text = data.draw(st.sampled_from([SMALL]) | routines().map(as_yaml))
    for kind in kinds:
        text = mutate(text, kind, data)
    routine = load_or_input_error(text)
    event("loaded and compiled" if routine is not None else "refused")
    if routine is not None:
        compile_checked(routine)


YAMLISH = st.lists(st.sampled_from([*"abc:-[]{}&*!|>'\"#%@`?,~ \t\n019.", "title: ",
                                     "exercises:\n", "  - id: a\n", "    reps: 3\n"]),
                   max_size=60).map("".join)


@FUZZ
@given(YAMLISH | st.text(max_size=200))
def test_random_text_loads_or_raises_input_error(text: str) -> None:
    load_or_input_error(text)


@FUZZ
@given(st.binary(max_size=300) | YAMLISH.map(lambda t: t.encode("utf-16")))
def test_random_bytes_load_or_raise_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(data)
        try:
            load_routine(path)
        except InputError as error:
            assert str(error).startswith(str(path)), error


def count(low: int, high: int, bad: list[int]) -> st.SearchStrategy[int]:
    """Mostly allowed values, sometimes one just outside the limits."""
    allowed = st.integers(low, high)
    return st.one_of(allowed, allowed, allowed, allowed, st.sampled_from(bad))


@st.composite
def option_sets(draw: st.DrawFn, ids: list[str]) -> Customization:
    """Any combination of the customization options (each present or not), with known and
    unknown exercise ids, values mostly within their limits and sometimes just outside."""
    known = st.sampled_from(ids)
    some_id = st.one_of(known, known, known, known, known, SLUG)
    per_id = lambda values: st.dictionaries(some_id, values, max_size=2)  # noqa: E731
    options = draw(st.fixed_dictionaries({"level": st.sampled_from(LEVELS)}, optional={
        "reps": per_id(count(1, 40, [-1, 0, 1001])),
        "all_reps": count(1, 30, [0, 1001]),
        "sets": per_id(count(1, 4, [0, 101])),
        "holds": per_id(count(1, 20, [0, 3601])),
        "rest": st.floats(0, 60) | st.sampled_from([-1.0, 1e9]),
        "only": st.lists(some_id, min_size=1, max_size=2).map(tuple),
        "skip": st.lists(some_id, min_size=1, max_size=1).map(tuple),
        "order": st.lists(some_id, min_size=1, max_size=3).map(tuple),
        "tempo": st.one_of(st.floats(0.5, 2.0), st.floats(0.5, 2.0), st.sampled_from([0.1, 5.0])),
        "intro": st.booleans(),
        "outro": st.booleans(),
        "cut": st.one_of(st.floats(0.1, 1.0), st.floats(0.1, 1.0), st.sampled_from([0.0, 1.5])),
    }))
    return Customization(**options)


def test_any_option_set_customizes_or_raises_input_error() -> None:
    def check(data: st.DataObject) -> str:
        spec = data.draw(routines())
        routine = parse_routine(as_yaml(spec), "fuzz.yaml")
        choices = data.draw(option_sets([e["id"] for e in spec["exercises"]]))
        try:
            compile_checked(routine, choices)
            return "compiled"
        except InputError as error:
            assert str(error).strip(), error
            return "refused"

    found = outcomes(check)
    # mostly allowed values: a good share compiles, and some are refused
    assert found.count("compiled") >= len(found) // 4 and "refused" in found, \
        (found.count("compiled"), len(found))


@st.composite
def valid_option_sets(draw: st.DrawFn, spec: dict[str, Any]) -> Customization:
    """Only options the README allows for this routine: counts within their limits for the
    exercises they apply to, --only or --skip (never both) keeping at least one exercise, an
    --order of exactly the exercises kept, tempo 0.5-2.0, a cut in (0, 1]."""
    ids = [e["id"] for e in spec["exercises"]]
    counted = [e["id"] for e in spec["exercises"] if "reps" in e]
    holding = [e["id"] for e in spec["exercises"] if any("hold" in p for p in e.get("rep", []))]
    options: dict[str, Any] = {"level": draw(st.sampled_from(LEVELS))}
    if counted and draw(st.booleans()):
        options["reps"] = draw(st.dictionaries(st.sampled_from(counted), st.integers(1, 20),
                                               max_size=2))
    if counted and draw(st.booleans()):
        options["all_reps"] = draw(st.integers(1, 20))
    if draw(st.booleans()):
        options["sets"] = draw(st.dictionaries(st.sampled_from(ids), st.integers(1, 3),
                                               max_size=2))
    if holding and draw(st.booleans()):
        options["holds"] = draw(st.dictionaries(st.sampled_from(holding), st.integers(1, 10),
                                                max_size=2))
    if draw(st.booleans()):
        options["rest"] = draw(st.floats(0, 60))
    kept = ids
    selection = draw(st.sampled_from(["all", "only", "skip"]))
    if selection == "only":
        kept = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
        options["only"] = tuple(kept)
        kept = [i for i in ids if i in kept]
    elif selection == "skip" and len(ids) > 1:
        skipped = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids) - 1,
                                unique=True))
        options["skip"] = tuple(skipped)
        kept = [i for i in ids if i not in skipped]
    if draw(st.booleans()):
        options["order"] = tuple(draw(st.permutations(kept)))
    options["tempo"] = draw(st.floats(0.5, 2.0))
    options["intro"], options["outro"] = draw(st.booleans()), draw(st.booleans())
    options["cut"] = draw(st.floats(0.01, 1.0))
    return Customization(**options)


def test_every_valid_option_set_compiles() -> None:
    """Valid options only: every one must customize and compile (an InputError fails)."""
    def check(data: st.DataObject) -> str:
        spec = data.draw(routines())
        routine = parse_routine(as_yaml(spec), "fuzz.yaml")
        compile_checked(routine, data.draw(valid_option_sets(spec)))
        return "compiled"

    assert len(outcomes(check)) >= 100
