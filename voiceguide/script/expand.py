"""The expander: a customized routine and its phrases in, a flat list of steps out, no timing.

Each construct of the format lives in one method: here the session (intro, safety, outro), the
order of play (sections, blocks and their rounds, repeats) and the transition between two
exercises (the rest, during which the next exercise is announced and set up, its get-ready count
ending where work starts); in ``voiceguide.script.work`` an exercise's sets, sides, reps, holds,
timed intervals, breathing and narration. ``{total_minutes}`` comes from the timeline (see
``compile_timeline``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Block, Exercise, Routine, Section
from .phrases import Phrases
from .steps import Chapter, Close, Part, Say, Step, Window
from .work import EPSILON, Work


def expand(routine: Routine, phrases: Phrases, total_minutes: int | None = None) -> list[Step]:
    """The steps of the whole session, in order; ``total_minutes`` fills ``{total_minutes}``."""
    return _Expander(routine, phrases.for_routine(routine), total_minutes).run()


def exercise_summary(exercise: Exercise, phrases: Phrases | None = None) -> str:
    """A short summary for chapter titles, in the phrases' language: "15 reps", "13 each side",
    "3 × 12 reps", "30 s" (English without ``phrases``)."""
    def say(key: str, n: object, english: str) -> str:
        """The phrase with ``n`` in digits (a chapter title is read, not heard)."""
        count = n if isinstance(n, int) else 2
        return phrases.say(key, n=str(n), count=count) if phrases is not None else english

    if exercise.duration is not None or exercise.own_pace is not None:
        seconds = exercise.duration if exercise.duration is not None else exercise.own_pace
        amount = say("summary_seconds", f"{seconds:g}", f"{seconds:g} s")
        if exercise.sides in ("each", "alternate") and exercise.switch != "half":
            amount = say("summary_each", amount, f"{amount} each side")
    elif exercise.breathe is not None:
        rounds = exercise.breathe.rounds
        amount = say("summary_breaths", rounds, f"{rounds} breaths")
    elif exercise.narration:
        return ""
    else:
        count = exercise.reps.value if exercise.reps is not None else 0
        amount = say("summary_each", count, f"{count} each side") \
            if exercise.sides in ("each", "alternate") else \
            say("summary_reps", count, f"{count} reps")
    return f"{exercise.sets} × {amount}" if exercise.sets > 1 else amount


@dataclass(frozen=True)
class _Turn:
    """One exercise in the order of play: which round of which block, and what starts with it."""

    exercise: Exercise
    number: int  # its number among the session's exercises
    block: Block | None = None
    round: int = 1
    section: str | None = None  # the section that starts with this turn
    again: bool = False  # done before (a repeat, or a later round): announced by name only


class _Expander(Work):
    """The session: its narration, the order of play and the transitions."""

    def run(self) -> list[Step]:
        r, p = self.routine, self.p
        self.out.append(Chapter(p.say("introduction")))
        self.narrate(p.say("welcome", title=r.title))
        for paragraph in r.intro:
            self.narrate(self.fill(paragraph))
        if r.safety:
            self.narrate(p.say("safety"))
            for paragraph in r.safety:
                self.narrate(self.fill(paragraph))
        turns = self.turns()
        for index, turn in enumerate(turns):
            self.turn(turn, turns[index - 1] if index else None)
        self.flush()
        self.out.append(Part(None))
        self.out.append(Chapter(p.say("closing")))
        self.narrate(p.say("finish"))
        for paragraph in r.outro:
            self.narrate(self.fill(paragraph))
        return self.out

    def turns(self) -> list[_Turn]:
        """The order of play: every exercise of every round of every block, in order."""
        kept = {exercise.id: exercise for exercise in self.routine.exercises}
        numbers = {exercise.id: n for n, exercise in enumerate(self.routine.exercises, 1)}
        structure = self.routine.structure or tuple(kept)
        found: list[_Turn] = []
        done: set[str] = set()

        def add(item: str | Block, section: str | None) -> None:
            if isinstance(item, str):
                if item in kept:
                    found.append(_Turn(kept[item], numbers[item], section=section,
                                       again=item in done))
                    done.add(item)
                return
            ids = [i for i in item.exercises if i in kept]
            for round_number in range(1, item.rounds + 1):
                for index, exercise_id in enumerate(ids):
                    found.append(_Turn(kept[exercise_id], numbers[exercise_id], item,
                                       round_number, section if round_number == 1 and
                                       index == 0 else None, exercise_id in done))
                    done.add(exercise_id)

        for item in structure:
            if isinstance(item, Section):
                before = len(found)
                for inner in item.items:
                    add(inner, item.name if len(found) == before else None)
            else:
                add(item, None)
        return found

    def turn(self, turn: _Turn, before: _Turn | None) -> None:
        """The transition into ``turn`` (a rest during which it is announced and set up, or
        its announcement at once), then the exercise itself."""
        p, ex = self.p, turn.exercise
        new_round = before is not None and turn.block is not None and \
            before.block is turn.block and turn.round != before.round
        self.set_number, self.sets, self.side_name = 1, ex.sets, None
        self.round = turn.round if turn.block is not None else None
        title = f"{turn.number}. {ex.name}"
        summary = exercise_summary(ex, p)
        title += f" — {summary}" if summary else ""
        if turn.block is not None and turn.block.rounds > 1:
            title = f"{turn.block.name}, {p.say('summary_round', number=turn.round, total=turn.block.rounds)}: {title}"  # noqa: E501
        introduction = self.introduction(turn, new_round)
        if before is None:
            self.flush()
            self.out.append(Part(ex.id))
            self.out.append(Chapter(title, ex.id))
            self.open("setup")
            self.out.extend(introduction)
            self.out.append(Close())
            self.start_countdown(self.d.start_countdown)
        else:
            prior = before.exercise
            if new_round:
                assert turn.block is not None
                seconds = turn.block.rest_between_rounds
                said = p.say("rest_round", number=turn.round, total=turn.block.rounds)
            else:
                seconds = prior.rest
                said = p.say("rest", next=ex.name) if prior.rest_say is None else \
                    self.fill(prior.rest_say, prior, ex.name)
            seconds = self.d.rest if seconds is None else seconds
            if seconds <= EPSILON and new_round and turn.block is not None:
                introduction.insert(0, Say(p.say("round", number=turn.round,
                                                 total=turn.block.rounds)))
            words = [Say(said)] if said and seconds > EPSILON else []  # no rest: no "Rest."
            # the chapter starts with the announcement, inside the rest
            self.rest(seconds, words, "rest", "rest", ex.id,
                      (Chapter(title, ex.id), *introduction))
            self.out.append(Part(ex.id))
        self.exercise(ex)

    def introduction(self, turn: _Turn, new_round: bool) -> list[Say]:
        """What announces an exercise: the section and block as they start, then its number
        and name, equipment, setup, tip and plan; in later rounds only its name."""
        p, ex, pause = self.p, turn.exercise, self.d.pause
        said: list[str] = []
        if turn.section:
            said.append(f"{turn.section}.")
        block = turn.block
        if block is not None and turn.round == 1 and ex.id == next(
                (i for i in block.exercises if i in {e.id for e in self.routine.exercises}), None):
            said.append(f"{block.name}.")
            if block.rounds > 1:
                said.append(p.say("round", number=1, total=block.rounds))
        if turn.again:
            said.append(p.say("again", name=ex.name))
            said.append(self.plan(ex))
        else:
            said.append(p.say("exercise", number=turn.number,
                              total=len(self.routine.exercises), name=ex.name))
            if ex.equipment:
                said.append(p.say("equipment", items=", ".join(ex.equipment)))
            if ex.setup:
                said.append(p.say("setup"))
                said += [self.fill(step, ex) for step in ex.setup]
            if ex.tip:
                said.append(p.say("tip", tip=self.fill(ex.tip, ex)))
            said.append(self.plan(ex))
        if ex.sets > 1:
            said.append(p.say(ex.set_word, number=1, total=ex.sets))
        said.append(self.first_side(ex))
        return [Say(text, gap=pause) for text in said if text]

    def start_countdown(self, count: int) -> None:
        """"Get ready. 3. 2. 1." before the first exercise, ending where work starts."""
        if count:
            self.say(self.p.say("get_ready"))
            self.out.append(Window(count * self.d.beat, (), self.countdown(count), self.d.beat))
