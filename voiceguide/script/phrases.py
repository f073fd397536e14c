"""The fixed words voiceguide says ("Hold", "Switch sides", numbers…), read from a phrase file.

Phrase files live in ``templates/phrases/<language>.yaml`` so they can be changed or translated
without touching code.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import yaml
from num2words import num2words

from ..errors import InputError, RoutineError
from ..format.load import templates_dir

RATES = (80, 450)  # words per minute a phrase file's espeak-ng rate may be (the CLI's --rate range)
REQUIRED = (
    "welcome", "safety", "exercise", "equipment", "setup", "tip", "plan_reps", "plan_reps_each",
    "plan_reps_alternate", "plan_duration", "plan_duration_each", "plan_sets", "set",
    "first_side", "switch_sides", "begin", "rep", "last_rep", "rep_right", "rep_left",
    "last_rep_left", "hold", "count", "halfway", "time", "done", "rest",
    "rest_set", "finish", "closing", "introduction",
)


@dataclass(frozen=True)
class Phrases:
    """A language's phrase templates and its default voice; with ``numbers: words`` whole
    numbers are written as words of the language ("drei", "quince"), so every engine says them
    in that language. ``voice`` and ``rate`` (words per minute) are the espeak-ng voice and rate
    used when none is chosen (None: espeak-ng's 200)."""

    language: str
    voice: str | None
    templates: dict[str, str]
    numbers: str = "digits"
    rate: int | None = None

    def say(self, key: str, **fields: object) -> str:
        """The phrase ``key`` with its {fields} filled in."""
        template = self.templates[key]
        if self.numbers != "words":
            return template.format(**fields)
        words = {name: self.number(value) if isinstance(value, int) else value
                 for name, value in fields.items()}
        text = template.format(**words)
        return text[:1].upper() + text[1:] if template.startswith("{") else text

    def number(self, value: int) -> str:
        """``value`` as words of this language (digits where num2words does not know it)."""
        try:
            return str(num2words(value, lang=self.language.replace("-", "_")))
        except NotImplementedError:
            return str(value)


def phrases_dir() -> Path:
    return templates_dir() / "phrases"


def available_languages() -> list[str]:
    return sorted(p.stem for p in phrases_dir().glob("*.yaml"))


def load_phrases(language: str = "en") -> Phrases:
    """The phrases for ``language`` (``de-AT`` falls back to ``de``)."""
    for code in (language, language.split("-")[0].split("_")[0]):
        path = phrases_dir() / f"{code.lower()}.yaml"
        if path.is_file():
            return _read(path)
    raise InputError(
        f"no phrase file for the language {language!r}; available: "
        f"{', '.join(available_languages())}.\n  Fix: set 'language' to one of those, or add "
        f"{phrases_dir() / (language + '.yaml')} translated from en.yaml")


def _read(path: Path) -> Phrases:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        templates = {str(k): str(v) for k, v in data["phrases"].items()}
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise RoutineError(f"cannot read the phrase file: {exc}", source=path) from None
    missing = [key for key in REQUIRED if key not in templates]
    if missing:
        raise RoutineError(f"the phrase file lacks {', '.join(missing)}", source=path,
                           hint="copy the missing keys from en.yaml and translate them")
    for key, template in templates.items():
        try:
            list(string.Formatter().parse(template))
        except ValueError as exc:
            raise RoutineError(f"the phrase '{key}' is not a valid template: {exc}",
                               source=path) from None
    voice = data.get("voice")
    numbers = str(data.get("numbers", "digits"))
    if numbers not in ("digits", "words"):
        raise RoutineError(f"'numbers' is {numbers!r}", source=path,
                           hint="write 'numbers: words' or 'numbers: digits'")
    rate = data.get("rate")
    if rate is not None and (not isinstance(rate, int) or not RATES[0] <= rate <= RATES[1]):
        raise RoutineError(f"'rate' is {rate!r}", source=path,
                           hint=f"write a whole number of words per minute, {RATES[0]} to "
                           f"{RATES[1]}, or leave 'rate' out")
    return Phrases(str(data.get("language", path.stem)), str(voice) if voice else None, templates,
                   numbers, rate)
