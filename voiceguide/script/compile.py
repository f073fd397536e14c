"""The script compiler: a routine and the length of each phrase in, a timed ``Timeline`` out.

Pure and deterministic: ``measure(text)`` gives how long a phrase sounds (seconds), and every
scheduling decision follows from it. Scheduling rules, in short:

* a cue phase lasts its ``seconds`` from the moment it starts, speech included;
* a hold of N seconds says "Hold" on its first second and counts N-1 … 1 on the following ones,
  each number starting exactly on its second;
* a rep starts with its announcement ("3.", "Last one, 15.", "Right, 4.");
* every rest says what comes next and ends with a get-ready countdown, each number on its second;
* a phrase longer than its slot pushes what follows later, and the timeline carries a warning.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Chapter, Cue, Exercise, Hold, Routine, Segment, Timeline
from ..script.phrases import Phrases

Measure = Callable[[str], float]

GAP = 0.3  # silence after a rep announcement and after short phrases
EPSILON = 1e-6


def compile_timeline(routine: Routine, phrases: Phrases, measure: Measure) -> Timeline:
    """Schedule the whole session: intro, safety, each exercise with its rests, outro."""
    return _Compiler(routine, phrases, measure).run()


def phrases_of(routine: Routine, phrases: Phrases) -> list[str]:
    """Every distinct text the routine will say, in order (what needs synthesizing)."""
    return compile_timeline(routine, phrases, lambda _text: 1.0).texts()


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


class _Compiler:
    def __init__(self, routine: Routine, phrases: Phrases, measure: Measure) -> None:
        self.routine = routine
        self.p = phrases
        self.measure = measure
        self.t = 0.0
        self.part: str | None = None
        self.speech: list[Segment] = []
        self.chapter_starts: list[tuple[str, float, str | None]] = []
        self.warnings: dict[str, str] = {}

    # --- primitives --------------------------------------------------------------------------

    def say(self, text: str, slot: float | None = None, what: str = "") -> None:
        """Speak ``text`` now; advance by ``slot`` (at least the speech), or speech plus GAP."""
        length = max(0.0, self.measure(text))
        self.speech.append(Segment(self.t, self.t + length, "speech", text, self.part))
        if slot is None:
            self.t += length + GAP
            return
        if length > slot + EPSILON:
            self.warn(what or f"'{text}'", f"the cue '{text}' lasts {length:.2f} s, "
                      f"{length - slot:.2f} s longer than its {slot:g} s phase; what follows "
                      "starts that much later")
        self.t += max(slot, length)

    def narrate(self, text: str) -> None:
        """A sentence of narration followed by the routine's pause."""
        self.say(text)
        self.t += self.routine.defaults.pause - GAP

    def countdown(self, count: int) -> None:
        for number in range(count, 0, -1):
            self.say(self.p.say("count", n=number), self.routine.defaults.beat, "countdown")

    def warn(self, key: str, message: str) -> None:
        where = f"exercise '{self.part}'" if self.part else "narration"
        self.warnings.setdefault(f"{where}:{key}", f"{where}, {key}: {message}")

    def rest(self, seconds: float, text: str, what: str) -> None:
        """Say what comes next, stay quiet, and end with the get-ready countdown."""
        start = self.t
        beat = self.routine.defaults.beat
        count = min(self.routine.defaults.get_ready, int(seconds / beat + EPSILON))
        self.say(text)
        countdown_at = start + seconds - count * beat
        if self.t > countdown_at + EPSILON:
            self.warn(what, f"'{text}' and its countdown need "
                      f"{self.t - start + count * beat:.2f} s, "
                      f"more than the {seconds:g} s {what}; it runs that much longer")
        self.t = max(self.t, countdown_at)
        self.countdown(count)

    # --- the session -------------------------------------------------------------------------

    def run(self) -> Timeline:
        r, p = self.routine, self.p
        self.chapter(p.say("introduction"), None)
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
        self.part = None
        self.chapter(p.say("closing"), None)
        self.narrate(p.say("finish"))
        for paragraph in r.outro:
            self.narrate(paragraph)
        return self.timeline()

    def chapter(self, title: str, exercise: str | None) -> None:
        self.chapter_starts.append((title, self.t, exercise))

    def exercise(self, ex: Exercise, number: int, following: Exercise | None) -> None:
        p, d = self.p, self.routine.defaults
        self.part = ex.id
        self.chapter(f"{number}. {ex.name} — {exercise_summary(ex)}", ex.id)
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
        for set_number in range(1, ex.sets + 1):
            if ex.sets > 1:
                self.say(p.say("set", number=set_number, total=ex.sets))
            self.block(ex)
            if set_number < ex.sets:
                rest = ex.rest_between_sets if ex.rest_between_sets is not None \
                    else d.rest_between_sets
                self.rest(rest, p.say("rest_set", number=set_number + 1, total=ex.sets),
                          "rest between sets")
        self.narrate(p.say("done"))
        if following is not None:
            rest = ex.rest if ex.rest is not None else d.rest
            self.rest(rest, p.say("rest", next=following.name), "rest")

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
            self.say(p.say("first_side"))
            self.side(ex)
            changeover = ex.changeover if ex.changeover is not None \
                else self.routine.defaults.changeover
            self.rest(changeover, p.say("switch_sides"), "changeover")
            self.side(ex)
        elif ex.sides == "alternate" and ex.duration is None:
            self.say(p.say("begin"))
            assert ex.reps is not None
            count = ex.reps.value
            for n in range(1, count + 1):
                self.rep(ex, p.say("rep_right", n=n))
                last = n == count
                self.rep(ex, p.say("last_rep_left" if last else "rep_left", n=n))
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
            self.rep(ex, p.say("last_rep" if n == count and count > 1 else "rep", n=n))

    def rep(self, ex: Exercise, announcement: str) -> None:
        self.say(announcement)
        for index, phase in enumerate(ex.rep, start=1):
            if isinstance(phase, Cue):
                self.say(phase.say, phase.seconds, f"rep phase {index}")
            elif isinstance(phase, Hold):
                seconds = phase.seconds.value
                beat = self.routine.defaults.beat
                self.say(self.p.say("hold"), beat, f"rep phase {index} (hold)")
                for number in range(seconds - 1, 0, -1):
                    self.say(self.p.say("count", n=number), beat, f"rep phase {index} (hold)")

    def timed(self, duration: float) -> None:
        """A timed interval: "Begin", a halfway cue, a 3-2-1 before the end, then "And stop"."""
        p = self.p
        start = self.t
        beat = self.routine.defaults.beat
        count = min(self.routine.defaults.get_ready, int(duration / 2 / beat))
        self.say(p.say("begin"))
        if duration >= 10:
            self.t = max(self.t, start + duration / 2)
            self.say(p.say("halfway"))
        self.t = max(self.t, start + duration - count * beat)
        self.countdown(count)
        self.t = max(self.t, start + duration)
        self.say(p.say("time"))

    # --- result ------------------------------------------------------------------------------

    def timeline(self) -> Timeline:
        end = max(self.t, self.speech[-1].end if self.speech else 0.0)
        segments: list[Segment] = []
        cursor = 0.0
        for speech in self.speech:
            if speech.start > cursor + EPSILON:
                segments.append(Segment(cursor, speech.start, "silence", "", speech.exercise))
            if speech.end > speech.start:
                segments.append(speech)
            cursor = max(cursor, speech.end)
        if end > cursor + EPSILON:
            segments.append(Segment(cursor, end, "silence", "", None))
        chapters = tuple(
            Chapter(title, start, self.chapter_starts[i + 1][1]
                    if i + 1 < len(self.chapter_starts) else end, exercise)
            for i, (title, start, exercise) in enumerate(self.chapter_starts)
        )
        return Timeline(self.routine.title, tuple(segments), chapters,
                        tuple(self.warnings.values()))
