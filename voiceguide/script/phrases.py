"""The fixed words voiceguide says ("Hold", "Switch sides", numbers…), read from a phrase file.

Phrase files live in ``templates/phrases/<language>.yaml`` so they can be changed or translated
without touching code.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from num2words import num2words

from ..errors import InputError, RoutineError
from ..format.load import templates_dir
from ..format.schema import PHRASE_KEYS
from ..model import CALM_KINDS, Routine

RATES = (80, 450)  # words per minute a phrase file's espeak-ng rate may be (the CLI's --rate range)
REQUIRED = PHRASE_KEYS
Template = str | tuple[str, str]  # one text, or the singular and plural forms


def singular(language: str, count: float) -> bool:
    """Whether ``count`` takes the singular form: 1 in English, German and Spanish; 0 and 1 in
    French (CLDR plural rules, category "one")."""
    if language.split("-")[0].split("_")[0].lower() == "fr":
        return 0 <= count < 2
    return count == 1


class _Fields(dict[str, object]):
    """Format fields that leave an unknown ``{name}`` as it is written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Phrases:
    """A language's phrase templates and its default voice; with ``numbers: words`` whole
    numbers are written as words of the language ("drei", "quince"), so every engine says them
    in that language. ``voice`` and ``rate`` (words per minute) are the espeak-ng voice and rate
    used when none is chosen (None: espeak-ng's 200)."""

    language: str
    voice: str | None
    templates: dict[str, Template]
    numbers: str = "digits"
    rate: int | None = None
    calm: dict[str, Template] = field(default_factory=dict)

    def say(self, key: str, **fields: object) -> str:
        """The phrase ``key`` with its {fields} filled in; a phrase with singular and plural
        forms takes the form of its ``count`` field (else of its first number). "" when the
        phrase is empty (say nothing)."""
        template = self.templates[key]
        if isinstance(template, tuple):
            numbers = [v for v in fields.values()
                       if isinstance(v, (int, float)) and not isinstance(v, bool)]
            count = fields.get("count", numbers[0] if numbers else 2)
            template = template[0] if isinstance(count, (int, float)) and \
                singular(self.language, count) else template[1]
        if self.numbers != "words":
            return template.format_map(_Fields(fields))
        words = _Fields({name: self.number(value) if isinstance(value, int) and
                         not isinstance(value, bool) else value for name, value in fields.items()})
        text = template.format_map(words)
        return text[:1].upper() + text[1:] if template.startswith("{") else text

    def duration(self, seconds: float) -> str:
        """A length as people say it: "45 seconds", "5 minutes", "1 minute 30"."""
        whole = int(seconds) if float(seconds).is_integer() else None
        if whole is None or whole < 60:
            value: object = whole if whole is not None else f"{seconds:g}"
            return self.say("duration_seconds", n=value, count=seconds)
        minutes, rest = divmod(whole, 60)
        said = self.say("duration_minutes", n=minutes)
        return said if rest == 0 else self.say("duration_both", minutes=said, seconds=rest)

    def for_routine(self, routine: Routine) -> Phrases:
        """These phrases with the routine's: the ``calm`` words for a breathing or meditation
        session, then the routine's own ``phrases:``."""
        templates = dict(self.templates)
        if routine.kind in CALM_KINDS:
            templates.update(self.calm)
        templates.update(dict(routine.phrases))
        return replace(self, templates=templates)

    def number(self, value: int) -> str:
        """``value`` as words of this language (digits where num2words does not know it)."""
        try:
            return str(num2words(value, lang=self.language.replace("-", "_")))
        except NotImplementedError:
            return str(value)


def phrases_dir() -> Path:
    return templates_dir() / "phrases"


def available_languages() -> list[str]:
    return sorted(p.stem for p in phrases_dir().glob("*.yaml") if "." not in p.stem)


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
        templates = {str(k): _template(v) for k, v in data["phrases"].items()}
        calm = {str(k): _template(v) for k, v in (data.get("calm") or {}).items()}
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise RoutineError(f"cannot read the phrase file: {exc}", source=path) from None
    missing = [key for key in REQUIRED if key not in templates]
    if missing:
        raise RoutineError(f"the phrase file lacks {', '.join(missing)}", source=path,
                           hint="copy the missing keys from en.yaml and translate them")
    for key, template in [*templates.items(), *calm.items()]:
        try:
            for form in template if isinstance(template, tuple) else (template,):
                list(string.Formatter().parse(form))
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
                   numbers, rate, calm)


def _template(value: object) -> Template:
    """A phrase file's value: text ("" or null: say nothing), or ``one:``/``other:`` forms."""
    if isinstance(value, dict):
        return (str(value["one"]), str(value["other"]))
    return "" if value is None else str(value)
