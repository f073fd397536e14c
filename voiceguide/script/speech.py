"""Speech text: what the engine is handed, normalized from what the routine wrote.

espeak-ng reads text literally: "2-3 mins" is "two dash three mins", "10s" "ten z", "1:30" "one
thirty", "3 x 10" "three ex ten", "1/2" "one slash two", "L/R" "L slash R" (field notes). The
rules here turn such notation into words of the routine's language just before synthesis; the
timeline, cue sheet and transcript keep the words as written. The words live beside each
language's phrases, in ``templates/phrases/<language>.speech.yaml`` (a file per language: ranges,
"times", units, clock durations, fractions, side notation, ordinals, symbols, abbreviations);
the patterns are here, the same for every language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import yaml
from num2words import num2words

from ..errors import RoutineError
from .phrases import phrases_dir

NUMBER = r"\d+(?:[.,]\d+)?"
TEMPLATES = ("range", "times", "times_alone", "per", "either", "clock")


@dataclass(frozen=True)
class SpeechRules:
    """A language's words for notation (see ``templates/phrases/en.speech.yaml``)."""

    language: str
    templates: Mapping[str, str] = field(default_factory=dict)
    clock_minutes: tuple[str, str] = ("minute", "minutes")
    clock_seconds: tuple[str, str] = ("second", "seconds")
    units: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    sides: Mapping[str, str] = field(default_factory=dict)
    fractions: Mapping[str, str] = field(default_factory=dict)
    ordinals: str = ""
    symbols: Mapping[str, str] = field(default_factory=dict)
    abbreviations: Mapping[str, str] = field(default_factory=dict)

    def spoken(self, text: str) -> str:
        """``text`` as it should be said: notation turned into words, spaces tidied."""
        for rule in self._rules:
            text = rule(text)
        return re.sub(r" ([.,;!?])", r"\1", " ".join(text.split()))

    @cached_property
    def _rules(self) -> tuple[Callable[[str], str], ...]:
        t = self.templates
        units = _alternatives(self.units)

        def unit(match: re.Match[str]) -> str:
            one, several = self.units[match.group(2)]
            return f"{match.group(1)} {one if _is_one(match.group(1)) else several}"

        def clock(match: re.Match[str]) -> str:
            minutes, seconds = int(match.group(1)), int(match.group(2))
            m_word = self.clock_minutes[0 if minutes == 1 else 1]
            s_word = self.clock_seconds[0 if seconds == 1 else 1]
            if seconds == 0:
                return f"{minutes} {m_word}"
            if minutes == 0:
                return f"{seconds} {s_word}"
            return t["clock"].format(m=minutes, minutes=m_word, s=seconds, seconds=s_word)

        def ordinal(match: re.Match[str]) -> str:
            word = str(num2words(int(match.group(1)), lang=self.language, to="ordinal"))
            return _feminine(word, self.language) if _is_feminine(match.group(2)) else word

        rules: list[Callable[[str], str]] = [
            _table(self.abbreviations),
            _table(self.sides),
            _sub(r"(?<![\w/:])(\d+):([0-5]\d)(?![\d:])", clock),
            _sub(rf"(?<![\w.,])({NUMBER})\s*[-–—]\s*({NUMBER})(?![\d])",
                 lambda m: t["range"].format(a=m.group(1), b=m.group(2))),
            _sub(rf"(?<![\w.,])({NUMBER})\s*[x×]\s*({NUMBER})(?![\d])",
                 lambda m: t["times"].format(a=m.group(1), b=m.group(2))),
            _sub(rf"(?<![\w.,])({NUMBER})[x×](?!\w)",
                 lambda m: t["times_alone"].format(a=m.group(1))),
            _table(self.fractions, boundaries=True),
        ]
        if units:
            rules += [
                _sub(rf"(?<![\w.,])({NUMBER}\s?(?:{units}))/(\w+)",
                     lambda m: t["per"].format(a=m.group(1), b=m.group(2))),
                _sub(rf"(?<![\w.,])({NUMBER})\s?({units})(?![\w/])", unit),
            ]
        if self.ordinals:
            rules.append(_sub(rf"(?<![\w.,])(\d+)({_by_length(self.ordinals)})(?!\w)", ordinal))
        rules += [
            _sub(r"(?<![\w/])([^\W\d_]{2,})/([^\W\d_]{2,})(?![\w/])",
                 lambda m: t["either"].format(a=m.group(1), b=m.group(2))),
            _table(self.symbols, spaced=True),
        ]
        return tuple(rules)


def _is_one(number: str) -> bool:
    return number in ("1", "1.0", "1,0")


def _is_feminine(suffix: str) -> bool:
    return suffix.endswith(("ª", "re", "ère"))


def _feminine(word: str, language: str) -> str:
    """The feminine ordinal: Spanish "primero" → "primera", French "premier" → "première"."""
    if language.startswith("es") and word.endswith("o"):
        return word[:-1] + "a"
    if language.startswith("fr") and word.endswith("ier"):
        return word[:-3] + "ière"
    return word


def _by_length(pattern: str) -> str:
    """Regex alternatives, longest first (``e|ème`` would otherwise stop at ``e``)."""
    return "|".join(sorted(pattern.split("|"), key=len, reverse=True))


def _alternatives(words: Mapping[str, object]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _sub(pattern: str, replace: Callable[[re.Match[str]], str]) -> Callable[[str], str]:
    compiled = re.compile(pattern)
    return lambda text: compiled.sub(replace, text)


def _table(words: Mapping[str, str], boundaries: bool = False,
           spaced: bool = False) -> Callable[[str], str]:
    """Replace each written form by its words; with ``boundaries`` only where it stands alone
    (not inside a longer number or word); with ``spaced`` with spaces around the words."""
    if not words:
        return lambda text: text
    alternatives = _alternatives(words)
    if boundaries:
        alternatives = rf"(?<![\w/])(?:{alternatives})(?![\w/])"
    elif any(w[:1].isalnum() for w in words):
        alternatives = rf"(?<!\w)(?:{alternatives})(?!\w)"
    compiled = re.compile(alternatives)
    return lambda text: compiled.sub(
        lambda m: f" {words[m.group(0)]} " if spaced else words[m.group(0)], text)


def speech_path(language: str) -> Path | None:
    """The speech rules file for ``language`` (``de-AT`` falls back to ``de``), if any."""
    for code in (language, language.split("-")[0].split("_")[0]):
        path = phrases_dir() / f"{code.lower()}.speech.yaml"
        if path.is_file():
            return path
    return None


@cache
def load_speech(language: str = "en") -> SpeechRules:
    """The speech rules of ``language``; a language without a rules file gets none (its text
    goes to the engine as written). Raises RoutineError for a rules file that is not valid."""
    path = speech_path(language)
    if path is None:
        return SpeechRules(language)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        templates = {key: str(data[key]) for key in TEMPLATES}
        for template in templates.values():  # a broken {field} is an error here, not later
            template.format(a="1", b="2", m=1, minutes="", s=1, seconds="")
        return SpeechRules(
            language=str(data.get("language", language)),
            templates=templates,
            clock_minutes=_pair(data["clock_minutes"]),
            clock_seconds=_pair(data["clock_seconds"]),
            units={str(k): _pair(v) for k, v in (data.get("units") or {}).items()},
            sides=_words(data.get("sides")),
            fractions=_words(data.get("fractions")),
            ordinals=str(data.get("ordinals") or ""),
            symbols=_words(data.get("symbols")),
            abbreviations=_words(data.get("abbreviations")),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError,
            IndexError) as exc:
        raise RoutineError(f"cannot read the speech rules: {exc!r}", source=path,
                           hint="compare it with en.speech.yaml: the same keys, "
                           "[one, several] pairs for units") from None


def _pair(value: object) -> tuple[str, str]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"{value!r} is not a pair [one, several]")
    return str(value[0]), str(value[1])


def _words(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{value!r} is not a table of written form: words")
    return {str(k): str(v) for k, v in value.items()}
