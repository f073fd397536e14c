"""Building the typed ``Routine`` from the composed YAML: each construct of the format (the
routine, an item of its list, an exercise, a block, a section, a phase…) read by one method,
every problem reported with its line and its fix."""

from __future__ import annotations

import string
from collections.abc import Mapping as MappingType
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import RoutineError
from ..model import (
    Block,
    Breathing,
    Cue,
    Defaults,
    Exercise,
    Hold,
    Item,
    Narration,
    Phase,
    Range,
    Routine,
    Section,
    TimedCue,
)
from .read import Reader, _suggest
from .schema import (
    BLOCK,
    BREATHING,
    CUE,
    DEFAULTS,
    EXERCISE,
    HOLD,
    MAX_SESSION_HOURS,
    MAX_TEXT_CHARS,
    NARRATION,
    PHRASE_KEYS,
    REPEAT,
    ROUTINE,
    SECTION,
    TIMED_CUE,
)

# The {fields} a phrase may use (a routine's `phrases:` is checked against them).
PHRASE_FIELDS = {
    "title", "number", "total", "name", "items", "tip", "reps", "seconds", "duration", "sets",
    "n", "next", "rounds", "side", "what", "minutes", "count", "round", "total_minutes",
}


def _marker(node: Node) -> str | None:
    """Which kind of item a list entry is: 'block', 'section' or None (an exercise)."""
    if isinstance(node, MappingNode):
        for key, _ in node.value:
            if isinstance(key, ScalarNode) and key.value in ("block", "section", "repeat"):
                return str(key.value)
    return None


class Builder(Reader):
    """Reads a whole routine; see ``voiceguide.format.load.parse_routine``."""

    def __init__(self, source: Path | str) -> None:
        super().__init__(source)
        self.exercises: list[Exercise] = []
        self.nodes: list[Node] = []
        self.seen: dict[str, int] = {}
        self.times: dict[str, int] = {}  # how often each exercise is done (rounds)
        self.blocks: dict[str, Block] = {}  # blocks with an id, for repeat

    def routine(self, root: Node, source: Path | None) -> Routine:
        declared = ROUTINE
        keys = self.mapping(root, "routine", declared)

        def read(name: str) -> Any:
            return self.read(keys, declared, name, "")

        defaults = Defaults()
        if "defaults" in keys:
            try:
                defaults = self.defaults(keys["defaults"])
            except RoutineError as exc:
                self.report(exc)
        structure: list[Item] = []
        if "exercises" in keys:
            structure = self.items(keys["exercises"], "exercises", ("exercise", "block", "repeat",
                                                                     "section"), 1)
        phrases: tuple[tuple[str, str | tuple[str, str]], ...] = ()
        if "phrases" in keys:
            try:
                phrases = self.phrases(keys["phrases"])
            except RoutineError as exc:
                self.report(exc)
        if not self.errors:
            self.check_length()
        flat = all(isinstance(item, str) for item in structure) and \
            len(set(structure)) == len(structure)  # a repeat is no flat list
        return Routine(
            title=read("title") or "",
            exercises=tuple(self.exercises),
            author=read("author"),
            language=read("language"),
            description=read("description"),
            intro=read("intro") or (),
            safety=read("safety") or (),
            outro=read("outro") or (),
            defaults=defaults,
            source=source,
            derived_from=read("derived_from"),
            kind=read("kind"),
            phrases=phrases,
            structure=() if flat else tuple(structure),
            cover=self.cover(keys, source),
        )

    def cover(self, keys: dict[str, Node], source: Path | None) -> Path | None:
        """The cover image, a path relative to the routine's folder that stays inside it (its
        content is checked when a file is rendered)."""
        name: str | None = self.read(keys, ROUTINE, "cover", "")
        if name is None:
            return None
        folder = (source.parent if source is not None else Path.cwd()).resolve()
        path = (folder / name).resolve()
        if Path(name).is_absolute() or not path.is_relative_to(folder):
            self.report(self.error(keys["cover"], f"'cover' must name a file in the routine's "
                                   f"folder, not {name!r}", hint="put the image beside the "
                                   "routine and write its name, such as 'cover: cover.png'"))
            return None
        return path

    def items(self, node: Node, where: str, allowed: tuple[str, ...], rounds: int
              ) -> list[Item]:
        """The entries of an ``exercises`` list: exercise ids, blocks and sections."""
        if not isinstance(node, SequenceNode) or not node.value:
            self.report(self.error(node, f"'{where}' must be a list with at least one exercise",
                                   hint="start each exercise with '- id: ...'"))
            return []
        found: list[Item] = []
        for index, item in enumerate(node.value):
            at = f"{where}[{index + 1}]" if where != "exercises" else f"exercises[{index + 1}]"
            kind = _marker(item) or "exercise"
            try:
                if kind not in allowed:
                    container = "a block" if "block" not in allowed else "a section"
                    raise self.error(item, f"'{at}' is a {kind}, which cannot be inside "
                                     f"{container}", hint="blocks hold exercises and repeats; "
                                     "sections hold exercises, blocks and repeats")
                if kind == "repeat":
                    found.append(self.repeat(item, at, rounds, "block" in allowed))
                elif kind == "block":
                    found.append(self.block(item, at, rounds))
                elif kind == "section":
                    found.append(self.section(item, at, rounds))
                else:
                    found.append(self.listed_exercise(item, at, rounds))
            except RoutineError as exc:
                self.report(exc)
        return found

    def listed_exercise(self, node: Node, where: str, rounds: int) -> str:
        exercise = self.exercise(node, where)
        number = len(self.exercises) + 1
        if exercise.id in self.seen:
            self.report(self.error(node, f"the id '{exercise.id}' is used twice (also by exercise "
                                   f"{self.seen[exercise.id]})",
                                   hint="give each exercise its own id"))
        self.seen[exercise.id] = number
        self.exercises.append(exercise)
        self.nodes.append(node)
        self.times[exercise.id] = self.times.get(exercise.id, 0) + rounds
        return exercise.id

    def block(self, node: Node, where: str, rounds: int) -> Block:
        keys = self.mapping(node, where, BLOCK)
        times = self.read(keys, BLOCK, "rounds", where) or 1
        ids = self.items(keys["exercises"], f"{where}.exercises", ("exercise", "repeat"),
                         rounds * times) if "exercises" in keys else []
        block = Block(name=self.read(keys, BLOCK, "block", where) or "",
                      exercises=tuple(i for i in ids if isinstance(i, str)), rounds=times,
                      rest_between_rounds=self.read(keys, BLOCK, "rest_between_rounds", where))
        block_id = self.read(keys, BLOCK, "id", where)
        if block_id is not None:
            if block_id in self.seen or block_id in self.blocks:
                self.report(self.error(keys["id"], f"the id '{block_id}' is used twice",
                                       hint="give each exercise and block its own id"))
            self.blocks[block_id] = block
        return block

    def repeat(self, node: Node, where: str, rounds: int, blocks: bool) -> str | Block:
        """An exercise or block done again: the id of one that comes before."""
        keys = self.mapping(node, where, REPEAT)
        name = self.read(keys, REPEAT, "repeat", where)
        if name in self.seen:
            self.times[name] = self.times.get(name, 0) + rounds
            return str(name)
        if name in self.blocks and blocks:
            block = self.blocks[name]
            for exercise_id in block.exercises:
                self.times[exercise_id] = self.times.get(exercise_id, 0) + rounds * block.rounds
            return block
        if name is None:
            raise self.error(node, f"'{where}' names nothing to repeat",
                             hint="write the id of an exercise or block that comes before")
        known = [*self.seen, *self.blocks]
        suggestion = _suggest(str(name), known)
        raise self.error(keys["repeat"], f"'{where}.repeat' names '{name}', which is no "
                         "exercise or block before it (a block is repeated outside blocks)",
                         hint=f"did you mean '{suggestion}'?" if suggestion else
                         f"use one of: {', '.join(known) or 'no id yet'}")

    def section(self, node: Node, where: str, rounds: int) -> Section:
        keys = self.mapping(node, where, SECTION)
        items = self.items(keys["exercises"], f"{where}.exercises", ("exercise", "block", "repeat"),
                           rounds) if "exercises" in keys else []
        return Section(self.read(keys, SECTION, "section", where) or "",
                       tuple(i for i in items if not isinstance(i, Section)))

    def phrases(self, node: Node) -> tuple[tuple[str, str | tuple[str, str]], ...]:
        if not isinstance(node, MappingNode):
            raise self.error(node, "'phrases' must be a mapping of 'key: text' lines",
                             hint="for example 'rest: \"Breathe. Next: {next}.\"'")
        found: list[tuple[str, str | tuple[str, str]]] = []
        for key_node, value_node in node.value:
            key = str(self.scalar(key_node, "phrases key"))
            if key not in PHRASE_KEYS:
                suggestion = _suggest(key, PHRASE_KEYS)
                self.report(self.error(key_node, f"'{key}' is not a phrase voiceguide says",
                                       hint=f"did you mean '{suggestion}'?" if suggestion else
                                       "use a key of templates/phrases/en.yaml"))
                continue
            try:
                if isinstance(value_node, MappingNode):
                    forms = {str(self.scalar(k, f"phrases.{key}")): v for k, v in value_node.value}
                    if sorted(forms) != ["one", "other"]:
                        raise self.error(value_node, f"'phrases.{key}' must have 'one' and "
                                         "'other' forms", hint="write 'one: ...' and "
                                         "'other: ...' under it, or a single text")
                    found.append((key, (self.template(forms["one"], f"phrases.{key}.one"),
                                        self.template(forms["other"], f"phrases.{key}.other"))))
                else:
                    found.append((key, self.template(value_node, f"phrases.{key}")))
            except RoutineError as exc:
                self.report(exc)
        return tuple(found)

    def template(self, node: Node, where: str) -> str:
        """A phrase template: text ("" for silence) whose {fields} voiceguide knows."""
        value = self.scalar(node, where)
        text = "" if value is None else " ".join(str(value).split())
        if len(text) > MAX_TEXT_CHARS:
            raise self.error(node, f"'{where}' is longer than {MAX_TEXT_CHARS} characters",
                             hint="shorten it")
        try:
            fields = [name for _, name, _, _ in string.Formatter().parse(text) if name]
        except ValueError as exc:
            raise self.error(node, f"'{where}' is not a valid phrase: {exc}",
                             hint="write {{ and }} for a brace that is not a field") from None
        for name in fields:
            if name not in PHRASE_FIELDS:
                raise self.error(node, f"'{where}' uses the unknown field {{{name}}}",
                                 hint="use fields such as {next}, {n}, {name}; "
                                 "en.yaml shows which each phrase has")
        return text

    def check_length(self) -> None:
        """Refuse a routine whose exercises alone would last more than MAX_SESSION_HOURS at the
        hard level: each field may be within its limit while the product is days of audio."""
        found = too_long(self.exercises, self.times)
        if found is not None:
            total, longest, hours = found
            raise self.error(self.nodes[longest], f"the routine would last about {total:,.0f} "
                             f"hours at the hard level, more than the limit of "
                             f"{MAX_SESSION_HOURS}", hint=f"shorten "
                             f"'{self.exercises[longest].id}' (its reps, sets, holds or "
                             f"seconds), which alone lasts about {hours:,.1f} hours")

    def defaults(self, node: Node) -> Defaults:
        declared = DEFAULTS
        keys = self.mapping(node, "defaults", declared)
        return Defaults(**{name: self.read(keys, declared, name, "defaults")
                           for name in declared.names})

    def exercise(self, node: Node, where: str) -> Exercise:
        declared = EXERCISE
        keys = self.mapping(node, where, declared)
        ex_id = self.read(keys, declared, "id", where)
        if ex_id is not None:
            where = f"{where} ({ex_id})"

        def read(name: str) -> Any:
            return self.read(keys, declared, name, where)

        kinds = [k for k in ("duration", "reps", "breathe", "narration") if k in keys]
        for other in kinds[1:]:
            self.report(self.error(keys[other], f"{where} has both '{kinds[0]}' and '{other}'",
                                   hint="an exercise is counted ('reps' and 'rep'), timed "
                                   "('duration'), a breathing pattern ('breathe') or narration "
                                   "('narration'): keep one kind"))
        if kinds and kinds[0] != "reps" and "rep" in keys:
            self.report(self.error(keys["rep"], f"{where} has both '{kinds[0]}' and 'rep'",
                                   hint="'rep' phases belong to a counted exercise ('reps')"))
        if not kinds and self.absent(node, "reps") and self.absent(node, "duration"):
            self.report(self.error(node, f"{where} has neither 'reps' nor 'duration'",
                                   hint="add 'reps: 12' and a 'rep:' list of phases, or "
                                   "'duration: 30' for a timed exercise"))
        rep: tuple[Phase, ...] = ()
        if "rep" in keys:
            try:
                rep = self.phases(keys["rep"], f"{where}.rep")
            except RoutineError as exc:
                self.report(exc)
            if "own_pace" in keys:
                self.report(self.error(keys["own_pace"], f"{where} has both 'rep' and "
                                       "'own_pace'", hint="reps at the listener's own pace have "
                                       "no timed phases: remove one of them"))
        elif "reps" in keys and "own_pace" not in keys and self.absent(node, "rep"):
            self.report(self.error(node, f"{where} has 'reps' but no 'rep' phases",
                                   hint="add 'rep:' with a list of phases such as "
                                   "'- say: Lift your leg' / 'seconds: 3' or '- hold: 5', or "
                                   "'own_pace: 60' for reps at the listener's own pace"))
        sides = read("sides")
        timed = "duration" in keys
        if "switch" in keys and not (timed and sides == "each"):
            self.report(self.error(keys["switch"], f"'{where}.switch' applies to a timed "
                                   "exercise with 'sides: each'", hint="remove it, or add "
                                   "'duration' and 'sides: each'"))
        if "remind_every" in keys and not (timed and "remind" in keys):
            self.report(self.error(keys["remind_every"], f"'{where}.remind_every' repeats the "
                                   "'remind' text of a timed exercise", hint="add 'remind' and "
                                   "'duration', or remove it"))
        if "cues" in keys and not timed:
            self.report(self.error(keys["cues"], f"'{where}.cues' applies to a timed exercise",
                                   hint="add 'duration', or put the cues in 'rep' phases"))
        duration = read("duration")
        cues = self.list_of(keys, "cues", where, self.timed_cue)
        for cue, cue_node in zip(cues, keys["cues"].value if "cues" in keys and isinstance(
                keys["cues"], SequenceNode) else []):
            if duration is not None and cue.at >= duration:
                self.report(self.error(cue_node, f"a cue of {where} is at {cue.at:g} s, not "
                                       f"within its {duration:g} s", hint=f"give 'at' a value "
                                       f"below {duration:g}"))
        return Exercise(
            id=ex_id or "",
            name=read("name") or "",
            rep=rep,
            reps=read("reps"),
            duration=duration,
            sides=sides,
            sets=read("sets"),
            description=read("description"),
            equipment=read("equipment") or (),
            setup=read("setup") or (),
            tip=read("tip"),
            rest=read("rest"),
            rest_between_sets=read("rest_between_sets"),
            changeover=read("changeover"),
            line=node.start_mark.line + 1,
            first_side=read("first_side"),
            switch="half" if sides == "alternate" and timed else read("switch"),
            cues=cues,
            remind=read("remind"),
            remind_every=read("remind_every"),
            switch_setup=read("switch_setup") or (),
            breathe=self.breathing(keys["breathe"], f"{where}.breathe")
            if "breathe" in keys else None,
            narration=self.list_of(keys, "narration", where, self.narration),
            own_pace=read("own_pace"),
            set_word=read("set_word"),
            rest_say=read("rest_say"),
            short=read("short"),
        )

    def list_of(self, keys: MappingType[str, Node], name: str, where: str,
                reader: Any) -> tuple[Any, ...]:
        """The entries of the list ``name``, each read by ``reader(node, where)``."""
        if name not in keys:
            return ()
        node = keys[name]
        if not isinstance(node, SequenceNode) or not node.value:
            self.report(self.error(node, f"'{where}.{name}' must be a list with at least one "
                                   "entry", hint="start each entry with '- '"))
            return ()
        found = []
        for index, item in enumerate(node.value):
            try:
                found.append(reader(item, f"{where}.{name}[{index + 1}]"))
            except RoutineError as exc:
                self.report(exc)
        return tuple(found)

    def timed_cue(self, node: Node, where: str) -> TimedCue:
        keys = self.mapping(node, where, TIMED_CUE)
        return TimedCue(self.read(keys, TIMED_CUE, "at", where) or 0.0,
                        self.read(keys, TIMED_CUE, "say", where) or "",
                        self.read(keys, TIMED_CUE, "count", where))

    def narration(self, node: Node, where: str) -> Narration:
        keys = self.mapping(node, where, NARRATION)
        return Narration(self.read(keys, NARRATION, "say", where) or "",
                         self.read(keys, NARRATION, "pause", where))

    def breathing(self, node: Node, where: str) -> Breathing | None:
        try:
            keys = self.mapping(node, where, BREATHING)
        except RoutineError as exc:
            self.report(exc)
            return None

        def read(name: str) -> Any:
            return self.read(keys, BREATHING, name, where)

        return Breathing(read("in") or 1.0, read("hold"), read("out") or 1.0, read("hold_out"),
                         read("rounds") or 1, read("counted"))

    def phases(self, node: Node, where: str) -> tuple[Phase, ...]:
        if not isinstance(node, SequenceNode) or not node.value:
            raise self.error(node, f"'{where}' must be a list with at least one phase",
                             hint="write phases such as '- say: Lift your leg' with "
                             "'seconds: 3', or '- hold: 5'")
        phases: list[Phase] = []
        for index, item in enumerate(node.value):
            at = f"{where}[{index + 1}]"
            try:
                phases.append(self.phase(item, at))
            except RoutineError as exc:
                self.report(exc)
        return tuple(phases)

    def phase(self, item: Node, at: str) -> Phase:
        if isinstance(item, MappingNode) and any(
                isinstance(k, ScalarNode) and k.value == "hold" for k, _ in item.value):
            keys = self.mapping(item, at, HOLD)
            return Hold(self.read(keys, HOLD, "hold", at) or Range(1, 1),
                        self.read(keys, HOLD, "say", at), self.read(keys, HOLD, "count", at))
        keys = self.mapping(item, at, CUE)
        return Cue(self.read(keys, CUE, "say", at) or "", self.read(keys, CUE, "seconds", at)
                   or 1.0, self.read(keys, CUE, "short", at))


def too_long(exercises: Sequence[Exercise], times: MappingType[str, int] | None = None
             ) -> tuple[float, int, float] | None:
    """(total hours, index of the longest exercise, its hours) when the reps, holds and timed
    intervals alone, at the hard level, last more than MAX_SESSION_HOURS (compiling such a
    routine would take forever); None otherwise. ``times``: how often each exercise id is done
    (the rounds of its blocks; 1 when absent)."""
    times = times or {}
    lengths = [_work_seconds(exercise) * times.get(exercise.id, 1) / 3600
               for exercise in exercises]
    if sum(lengths) <= MAX_SESSION_HOURS:
        return None
    longest = max(range(len(lengths)), key=lengths.__getitem__)
    return sum(lengths), longest, lengths[longest]


def _work_seconds(exercise: Exercise) -> float:
    """How long an exercise's work lasts at the hard level (no speech, no rests), seconds."""
    if exercise.duration is not None:
        one_side = exercise.duration
    elif exercise.breathe is not None:
        b = exercise.breathe
        one_side = (b.inhale + b.hold + b.exhale + b.hold_out) * b.rounds
    elif exercise.narration:
        one_side = sum(step.pause for step in exercise.narration)
    elif exercise.own_pace is not None:
        one_side = exercise.own_pace
    else:
        per_rep = sum(phase.seconds if isinstance(phase, Cue) else phase.seconds.high
                      for phase in exercise.rep)
        one_side = per_rep * (exercise.reps.high if exercise.reps is not None else 0)
    return one_side * (2 if exercise.sides in ("each", "alternate") else 1) * exercise.sets
