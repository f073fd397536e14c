"""One exercise's steps: its sets and the rests between them, its sides, a rep and its phases
(cues, holds), a timed interval with its cues, reps at the listener's own pace, a breathing
pattern and narration; and the primitives the expander shares (what is said, rests, spans).

Texts written in a routine may use ``{total_minutes}``, ``{next}``, ``{side}``, ``{round}`` and
``{reps}``; ``fill`` puts the values in."""

from __future__ import annotations

import re

from ..model import Cue, Exercise, Hold, Routine, SpanKind
from .phrases import Phrases
from .steps import Chapter, Close, Open, Say, Step, Window

FIELDS = re.compile(r"\{(total_minutes|next|side|round|reps)\}")
EPSILON = 1e-6


class Work:
    """Writes steps into ``out``; ``voiceguide.script.expand`` builds the session on it."""

    def __init__(self, routine: Routine, phrases: Phrases, total_minutes: int | None) -> None:
        self.routine = routine
        self.p = phrases
        self.d = routine.defaults
        self.total_minutes = total_minutes
        self.out: list[Step] = []
        self.set_number = self.sets = 1
        self.side_name: str | None = None  # the side being worked: "right", "left" or None
        self.pending: list[Say] = []  # said at the start of the next rest ("And stop.")
        self.round: int | None = None  # the round of the block being done (None: no block)

    # --- primitives --------------------------------------------------------------------------

    def fill(self, text: str, ex: Exercise | None = None, following: str = "") -> str:
        """A routine's text with its {fields} filled in (unknown braces stay as written)."""
        values = {
            "total_minutes": self.p.number(self.total_minutes)
            if self.total_minutes is not None and self.p.numbers == "words"
            else str(self.total_minutes if self.total_minutes is not None else "…"),
            "next": following,
            "side": self.p.say(f"side_{self.side_name}") if self.side_name else "",
            "round": str(self.round or self.set_number),
            "reps": str(ex.reps.value) if ex is not None and ex.reps is not None else "",
        }
        return FIELDS.sub(lambda m: values[m.group(1)], text)

    def say(self, text: str, slot: float | None = None, what: str = "") -> None:
        self.flush()
        if text:
            self.out.append(Say(text, slot, what))
        elif slot:
            self.out.append(Window(slot))

    def narrate(self, text: str) -> None:
        """A sentence of narration followed by the routine's pause (nothing for "")."""
        self.flush()
        if text:
            self.out.append(Say(text, gap=self.d.pause))

    def flush(self) -> None:
        """Say what waited for a rest that did not come."""
        pending, self.pending = self.pending, []
        self.out.extend(pending)

    def open(self, kind: SpanKind, rep: int | None = None, reps: int | None = None,
             following: str | None = None) -> None:
        """A span (see ``steps.Open``) of the current set and side starts here."""
        self.out.append(Open(kind, self.set_number, self.sets, rep, reps, self.side_name,
                             following))

    def countdown(self, count: int) -> tuple[str, ...]:
        return tuple(self.p.say("count", n=number) for number in range(count, 0, -1))

    def rest(self, seconds: float, said: list[Say], what: str, kind: SpanKind = "rest",
             following: str | None = None, introduction: tuple[Say | Chapter, ...] = ()
             ) -> None:
        """What waited (not before a changeover), then ``said`` and the ``introduction`` of
        what comes next, quiet, and the get-ready count ending ``seconds`` after the start,
        exactly where work starts. A rest of 0 s says only its introduction: no rest, no
        countdown, no warning. The introduction may make a rest longer without a warning."""
        if kind == "changeover":
            self.flush()
        if seconds <= EPSILON:
            self.flush()
            self.out.extend([*said, *introduction])
            return
        count = min(self.d.get_ready, int(seconds / self.d.beat + EPSILON))
        required = [*self.pending, *said]
        self.pending = []
        marks = tuple((0.0, s) for s in [*required, *introduction])
        self.open(kind, following=following)
        self.out.append(Window(seconds, marks, self.countdown(count), self.d.beat,
                               overrun=what, required=len(required)))
        self.out.append(Close())

    def first_side(self, ex: Exercise) -> str:
        """ "Right side first." for an exercise done on each side in turn ("" otherwise)."""
        if ex.sides != "each" or ex.switch == "half" or ex.breathe is not None:
            return ""
        return self.p.say("first_side" if ex.first_side == "right" else "first_side_left")
    def plan(self, ex: Exercise) -> str:
        p = self.p
        if ex.breathe is not None:
            text = p.say("plan_breaths", rounds=ex.breathe.rounds)
        elif ex.narration:
            return ""
        elif ex.duration is not None:
            duration = p.duration(ex.duration)
            key = "plan_duration_half" if ex.switch == "half" else "plan_duration_each" \
                if ex.sides == "each" else "plan_duration"
            text = p.say(key, duration=duration, seconds=f"{ex.duration:g}")
        else:
            assert ex.reps is not None
            key = "plan_own_pace" if ex.own_pace is not None else {
                "each": "plan_reps_each", "alternate": "plan_reps_alternate"}.get(
                ex.sides, "plan_reps")
            text = p.say(key, reps=ex.reps.value)
        if ex.sides in ("right", "left"):
            text = f"{p.say('only_' + ex.sides)} {text}".strip()
        if ex.sets > 1:
            key = "plan_rounds" if ex.set_word == "round" else "plan_sets"
            text = f"{text} {p.say(key, sets=ex.sets, rounds=ex.sets)}".strip()
        return text

    # --- one exercise ------------------------------------------------------------------------

    def exercise(self, ex: Exercise) -> None:
        """Its sets, with the rest between them, then "Well done."."""
        p = self.p
        word = ex.set_word
        for set_number in range(1, ex.sets + 1):
            self.set_number = set_number
            self.one_set(ex)
            if set_number < ex.sets:
                rest = ex.rest_between_sets if ex.rest_between_sets is not None \
                    else self.d.rest_between_sets
                key = "rest_round" if word == "round" else "rest_set"
                said = p.say(key, number=set_number + 1, total=ex.sets) if rest > EPSILON \
                    else p.say(word, number=set_number + 1, total=ex.sets)
                side = self.first_side(ex)
                self.rest(rest, [Say(text) for text in (said, side) if text],
                          "rest between sets", "set_rest")
        self.narrate(p.say("done"))  # before the rest: its chime ends the exercise

    def one_set(self, ex: Exercise) -> None:
        """One set: all reps (or the timed interval), on each side in turn where asked."""
        p = self.p
        first: str = ex.first_side
        second = "left" if first == "right" else "right"
        if ex.sides in ("right", "left"):
            self.side_name = ex.sides
            self.side(ex)
        elif ex.sides == "each" and ex.switch != "half" and ex.breathe is None:
            self.side_name = first
            self.side(ex)
            changeover = ex.changeover if ex.changeover is not None else self.d.changeover
            self.side_name = None
            self.side_name = second
            switch = [p.say("switch_sides" if first == "right" else "switch_sides_right"),
                      *(self.fill(text, ex) for text in ex.switch_setup)]
            self.side_name = None
            self.rest(changeover, [Say(text) for text in switch if text], "changeover",
                      "changeover")
            self.side_name = second
            self.side(ex)
        elif ex.sides == "alternate" and ex.duration is None and ex.reps is not None:
            self.begin(ex)
            count = ex.reps.value
            for n in range(1, count + 1):
                for side in (first, second):
                    self.side_name = side
                    last = n == count and side == second
                    key = ("last_rep_left" if side == "left" else "last_rep") if last \
                        else f"rep_{side}"
                    self.rep(ex, p.say(key, n=n), n, count)
        else:
            self.side_name = first if ex.switch == "half" else None
            self.side(ex)
        self.side_name = None

    def begin(self, ex: Exercise) -> None:
        """ "Begin." and the exercise's reminder, as work starts."""
        self.say(self.p.say("begin"))
        if ex.remind:
            self.say(self.fill(ex.remind, ex))

    def side(self, ex: Exercise) -> None:
        """The work of one side (or of no side): reps, a timed interval, breaths or narration."""
        p = self.p
        if ex.duration is not None:
            self.timed(ex)
        elif ex.breathe is not None:
            self.breathe(ex)
        elif ex.narration:
            for step in ex.narration:
                self.flush()
                self.out.append(Say(self.fill(step.say, ex), gap=step.pause))
        elif ex.own_pace is not None:
            self.flush()
            self.open("timed")
            self.out.append(Window(ex.own_pace, self.starting(ex), self.countdown(
                self.end_count(ex.own_pace)), self.d.beat))
            self.out.append(Close())
            self.stop()
        else:
            self.begin(ex)
            assert ex.reps is not None
            count = ex.reps.value
            numbered = bool(ex.rep) and isinstance(ex.rep[-1], Hold)
            for n in range(1, count + 1):
                key = "last_rep" if n == count and count > 1 else \
                    "rep_numbered" if numbered else "rep"
                self.rep(ex, p.say(key, n=n) if count > 1 else "", n, count)  # 1 rep: no count

    def rep(self, ex: Exercise, announcement: str, n: int, count: int) -> None:
        self.open("rep", n, count)
        self.say(announcement)
        for index, phase in enumerate(ex.rep, start=1):
            if isinstance(phase, Cue):
                text = phase.short if phase.short and ex.short and n > ex.short else phase.say
                self.say(self.fill(text, ex), phase.seconds, f"rep phase {index}")
            elif isinstance(phase, Hold):
                self.open("hold", n, count)
                self.hold(ex, phase, f"rep phase {index} (hold)")
                self.out.append(Close())
        self.out.append(Close())

    def hold(self, ex: Exercise, phase: Hold, what: str) -> None:
        """The instruction (or "Hold.") on the first second, then the seconds counted as the
        hold's ``count`` says; a hold under 3 s is not counted ("Hold. 1." sounds wrong)."""
        seconds, beat = phase.seconds.value, self.d.beat
        style = phase.count or self.d.hold_count
        if style == "auto":
            style = "every" if seconds <= 10 else "tens"
        first = self.fill(phase.say, ex) if phase.say else self.p.say("hold")
        beats: list[str] = [first]
        for left in range(seconds - 1, 0, -1):
            text = ""
            if seconds >= 3 and (style == "every" or (style in ("last", "tens") and left <= 5)):
                text = self.p.say("count", n=left)
            elif style == "tens" and left % 10 == 0:
                text = self.p.say("seconds_left", n=left)
            beats.append(text)
        # each text lasts until the next one: the instruction may take the quiet seconds after it
        spoken = [index for index, text in enumerate(beats) if text]
        for index, following in zip(spoken, [*spoken[1:], len(beats)]):
            self.say(beats[index], (following - index) * beat, what)

    def starting(self, ex: Exercise) -> tuple[tuple[float, Say], ...]:
        """ "Begin." and the reminder, as the first marks of a timed window."""
        texts = (self.p.say("begin"), self.fill(ex.remind, ex) if ex.remind else "")
        return tuple((0.0, Say(text)) for text in texts if text)

    def end_count(self, seconds: float) -> int:
        count = self.d.end_countdown if self.d.end_countdown is not None else self.d.get_ready
        return min(count, int(seconds / 2 / self.d.beat))

    def stop(self) -> None:
        """ "And stop." as work ends: said at the start of the rest that follows, if any."""
        stop = self.p.say("time")
        if stop:
            self.pending.append(Say(stop))

    def timed(self, ex: Exercise) -> None:
        """A timed interval: "Begin", its cues (a halfway cue, or the switch of sides at half
        time), a countdown before the end, then "And stop"."""
        p, beat = self.p, self.d.beat
        duration = ex.duration
        assert duration is not None
        marks = list(self.starting(ex))
        if ex.switch == "half":
            marks.append((duration / 2, Say(p.say("switch_now"))))
            marks += [(duration / 2, Say(self.fill(text, ex))) for text in ex.switch_setup]
        elif duration >= 10 and not ex.cues and p.say("halfway"):
            marks.append((duration / 2, Say(p.say("halfway"))))
        if ex.remind and ex.remind_every:
            every = ex.remind_every
            marks += [(k * every, Say(self.fill(ex.remind, ex)))
                      for k in range(1, int((duration - EPSILON) / every) + 1)
                      if duration - k * every > 5 * beat]  # not into the closing count
        for cue in ex.cues:
            text = self.fill(cue.say, ex)
            if cue.count:
                start = cue.at - (cue.count + 1) * beat
                marks.append((max(0.0, start), Say(p.say("change_in", what=text.rstrip(".!")),
                                                   beat, "count-in")))
                marks += [(cue.at - n * beat, Say(p.say("count", n=n), beat, "count-in"))
                          for n in range(cue.count, 0, -1)]
            marks.append((cue.at, Say(text)))
        marks.sort(key=lambda mark: mark[0])
        self.flush()
        self.open("timed")
        self.out.append(Window(duration, tuple(marks), self.countdown(self.end_count(duration)),
                               beat))
        self.out.append(Close())
        self.stop()

    def breathe(self, ex: Exercise) -> None:
        """Breaths: each phase's word on its first beat, then its beats counted ("2. 3. 4.")
        or quiet; every phase starts exactly on its beat."""
        pattern, p = ex.breathe, self.p
        assert pattern is not None
        phases = [("breathe_in", pattern.inhale), ("breathe_hold", pattern.hold),
                  ("breathe_out", pattern.exhale), ("breathe_hold_out", pattern.hold_out)]
        self.flush()
        for breath in range(1, pattern.rounds + 1):
            self.open("rep", breath, pattern.rounds)
            for key, seconds in phases:
                if seconds <= EPSILON:
                    continue
                beats = max(1, round(seconds / self.d.beat))
                length = seconds / beats
                self.say(p.say(key), length if pattern.counted else seconds, "breathing")
                if pattern.counted:
                    for number in range(2, beats + 1):
                        self.say(p.say("count", n=number), length, "breathing")
            self.out.append(Close())
