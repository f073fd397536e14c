"""The expander: a customized routine and its phrases in, a flat list of steps out, no timing.

Each construct of the format lives in one function here: the session (intro, safety, outro),
an exercise (announcement, setup, plan, sets and the rests between them), one set (sides), a
rep (its phases: cues and holds), a timed interval, and the rest between exercises."""

from __future__ import annotations

from ..model import Cue, Exercise, Hold, Routine, SpanKind
from .phrases import Phrases
from .steps import Chapter, Close, Open, Part, Say, Step, Window


def expand(routine: Routine, phrases: Phrases) -> list[Step]:
    """The steps of the whole session, in order."""
    return _Expander(routine, phrases).run()


def exercise_summary(exercise: Exercise) -> str:
    """A short summary for chapter titles: "15 reps", "13 each side", "3 × 12 reps", "30 s"."""
    if exercise.duration is not None:
        amount = f"{exercise.duration:g} s"
        amount += " each side" if exercise.sides != "none" else ""
    else:
        assert exercise.reps is not None
        unit = " each side" if exercise.sides != "none" else " reps"
        amount = f"{exercise.reps.value}{unit}"
    return f"{exercise.sets} × {amount}" if exercise.sets > 1 else amount


class _Expander:
    def __init__(self, routine: Routine, phrases: Phrases) -> None:
        self.routine = routine
        self.p = phrases
        self.d = routine.defaults
        self.out: list[Step] = []
        self.set_number = self.sets = 1
        self.side_name: str | None = None  # the side being worked: "right", "left" or None

    # --- primitives --------------------------------------------------------------------------

    def say(self, text: str, slot: float | None = None, what: str = "") -> None:
        self.out.append(Say(text, slot, what))

    def narrate(self, text: str) -> None:
        """A sentence of narration followed by the routine's pause."""
        self.out.append(Say(text, gap=self.d.pause))

    def open(self, kind: SpanKind, rep: int | None = None, reps: int | None = None,
             following: str | None = None) -> None:
        """A span (see ``steps.Open``) of the current set and side starts here."""
        self.out.append(Open(kind, self.set_number, self.sets, rep, reps, self.side_name,
                             following))

    def countdown(self, count: int) -> tuple[str, ...]:
        return tuple(self.p.say("count", n=number) for number in range(count, 0, -1))

    def rest(self, seconds: float, text: str, what: str, kind: SpanKind = "rest",
             following: str | None = None) -> None:
        """Say what comes next, stay quiet, and end with the get-ready countdown."""
        count = min(self.d.get_ready, int(seconds / self.d.beat + 1e-6))
        self.open(kind, following=following)
        self.out.append(Window(seconds, ((0.0, Say(text)),), self.countdown(count), self.d.beat,
                               overrun=what))
        self.out.append(Close())

    # --- the session -------------------------------------------------------------------------

    def run(self) -> list[Step]:
        r, p = self.routine, self.p
        self.out.append(Chapter(p.say("introduction")))
        self.narrate(p.say("welcome", title=r.title))
        for paragraph in r.intro:
            self.narrate(paragraph)
        if r.safety:
            self.narrate(p.say("safety"))
            for paragraph in r.safety:
                self.narrate(paragraph)
        for index, exercise in enumerate(r.exercises):
            following = r.exercises[index + 1] if index + 1 < len(r.exercises) else None
            self.exercise(exercise, index + 1, following)
        self.out.append(Part(None))
        self.out.append(Chapter(p.say("closing")))
        self.narrate(p.say("finish"))
        for paragraph in r.outro:
            self.narrate(paragraph)
        return self.out

    def exercise(self, ex: Exercise, number: int, following: Exercise | None) -> None:
        p, d = self.p, self.d
        self.out.append(Part(ex.id))
        self.set_number, self.sets, self.side_name = 1, ex.sets, None
        self.out.append(Chapter(f"{number}. {ex.name} — {exercise_summary(ex)}", ex.id))
        self.open("setup")
        self.narrate(p.say("exercise", number=number, total=len(self.routine.exercises),
                           name=ex.name))
        if ex.equipment:
            self.narrate(p.say("equipment", items=", ".join(ex.equipment)))
        if ex.setup:
            self.narrate(p.say("setup"))
            for step in ex.setup:
                self.narrate(step)
        if ex.tip:
            self.narrate(p.say("tip", tip=ex.tip))
        self.narrate(self.plan(ex))
        self.out.append(Close())
        for set_number in range(1, ex.sets + 1):
            self.set_number = set_number
            if ex.sets > 1:
                self.say(p.say("set", number=set_number, total=ex.sets))
            self.block(ex)
            if set_number < ex.sets:
                rest = ex.rest_between_sets if ex.rest_between_sets is not None \
                    else d.rest_between_sets
                self.rest(rest, p.say("rest_set", number=set_number + 1, total=ex.sets),
                          "rest between sets", "set_rest")
        self.narrate(p.say("done"))
        if following is not None:
            rest = ex.rest if ex.rest is not None else d.rest
            self.rest(rest, p.say("rest", next=following.name), "rest", "rest", following.id)

    def plan(self, ex: Exercise) -> str:
        p = self.p
        if ex.duration is not None:
            key = "plan_duration" if ex.sides == "none" else "plan_duration_each"
            text = p.say(key, seconds=f"{ex.duration:g}")
        else:
            assert ex.reps is not None
            key = {"none": "plan_reps", "each": "plan_reps_each",
                   "alternate": "plan_reps_alternate"}[ex.sides]
            text = p.say(key, reps=ex.reps.value)
        if ex.sets > 1:
            text += " " + p.say("plan_sets", sets=ex.sets)
        return text

    def block(self, ex: Exercise) -> None:
        """One set: all reps (or the timed interval), on each side in turn where asked."""
        p = self.p
        if ex.sides == "each":
            self.side_name = "right"
            self.say(p.say("first_side"))
            self.side(ex)
            changeover = ex.changeover if ex.changeover is not None else self.d.changeover
            self.side_name = None
            self.rest(changeover, p.say("switch_sides"), "changeover", "changeover")
            self.side_name = "left"
            self.side(ex)
            self.side_name = None
        elif ex.sides == "alternate" and ex.duration is None:
            self.say(p.say("begin"))
            assert ex.reps is not None
            count = ex.reps.value
            for n in range(1, count + 1):
                self.side_name = "right"
                self.rep(ex, p.say("rep_right", n=n), n, count)
                last = n == count
                self.side_name = "left"
                self.rep(ex, p.say("last_rep_left" if last else "rep_left", n=n), n, count)
            self.side_name = None
        else:
            self.side(ex)

    def side(self, ex: Exercise) -> None:
        p = self.p
        if ex.duration is not None:
            self.timed(ex.duration)
            return
        self.say(p.say("begin"))
        assert ex.reps is not None
        count = ex.reps.value
        for n in range(1, count + 1):
            self.rep(ex, p.say("last_rep" if n == count and count > 1 else "rep", n=n), n, count)

    def rep(self, ex: Exercise, announcement: str, n: int, count: int) -> None:
        self.open("rep", n, count)
        self.say(announcement)
        beat = self.d.beat
        for index, phase in enumerate(ex.rep, start=1):
            if isinstance(phase, Cue):
                self.say(phase.say, phase.seconds, f"rep phase {index}")
            elif isinstance(phase, Hold):
                what = f"rep phase {index} (hold)"
                self.open("hold", n, count)
                self.say(self.p.say("hold"), beat, what)
                for number in range(phase.seconds.value - 1, 0, -1):
                    self.say(self.p.say("count", n=number), beat, what)
                self.out.append(Close())
        self.out.append(Close())

    def timed(self, duration: float) -> None:
        """A timed interval: "Begin", a halfway cue, a 3-2-1 before the end, then "And stop"."""
        p, beat = self.p, self.d.beat
        count = min(self.d.get_ready, int(duration / 2 / beat))
        marks = [(0.0, Say(p.say("begin")))]
        if duration >= 10:
            marks.append((duration / 2, Say(p.say("halfway"))))
        self.open("timed")
        self.out.append(Window(duration, tuple(marks), self.countdown(count), beat))
        self.out.append(Close())
        self.say(p.say("time"))
