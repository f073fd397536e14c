"""Cover art: a user's image checked for podcast apps, or a plain generated one.

Apple Podcasts wants square artwork, a JPEG or PNG of 1400 to 3000 px (field notes); a phone's
lock screen and a podcast app show it. A given image is read only as far as its header (size,
format) and at most ``MAX_BYTES``; when none is given, ``generate`` draws the routine's title on a
colour (Pillow), so every file carries something.
"""

from __future__ import annotations

import hashlib
import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

from ..atomic import read_bounded
from ..errors import InputError

MIN_PIXELS = 1400  # Apple Podcasts' minimum, and its maximum below
MAX_PIXELS = 3000
MAX_BYTES = 10_000_000
GENERATED_PIXELS = 1400
# calm, dark backgrounds on which white text reads well (contrast above 7:1)
COLOURS = ("#1f4e5f", "#2d3a6b", "#4a2f5e", "#5e2f3a", "#2f5e3d", "#3b3b3b")
MIME = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class Cover:
    """An image to embed: its bytes and MIME type (``image/png`` or ``image/jpeg``)."""

    data: bytes
    mime: str


def load_cover(path: Path, given: str = "--cover FILE or the routine's 'cover:'") -> Cover:
    """The image at ``path``, checked: a PNG or JPEG, square, ``MIN_PIXELS`` to ``MAX_PIXELS`` px
    wide, at most ``MAX_BYTES``. Raises InputError naming the file, what is wrong and the fix
    (which names ``given``, where the image was given)."""
    from PIL import Image, UnidentifiedImageError

    fix = (f"  Fix: give a square PNG or JPEG of {MIN_PIXELS} to {MAX_PIXELS} px "
           f"({given}), or leave it out for a generated cover")
    try:
        data = read_bounded(path, MAX_BYTES)  # a regular file only: never a pipe or device
    except OSError as exc:
        raise InputError(f"cover {path}: {exc.strerror or exc}\n{fix}") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"cover {path}: larger than {MAX_BYTES // 1_000_000} MB\n{fix}")
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise InputError(f"cover {path}: not an image Pillow can read\n{fix}") from None
    if kind not in MIME:
        raise InputError(f"cover {path}: a {kind} image; podcast apps take PNG or JPEG\n{fix}")
    if width != height:
        raise InputError(f"cover {path}: {width} x {height} px is not square\n{fix}")
    if not MIN_PIXELS <= width <= MAX_PIXELS:
        raise InputError(f"cover {path}: {width} x {height} px; podcast apps want "
                         f"{MIN_PIXELS} to {MAX_PIXELS} px\n{fix}")
    return Cover(data, MIME[kind])


def generate(title: str, subtitle: str = "") -> Cover:
    """A plain square PNG (``GENERATED_PIXELS`` px): ``title`` in white on a colour picked from
    the title, ``subtitle`` (the author) smaller below it."""
    from PIL import Image, ImageDraw, ImageFont

    size = GENERATED_PIXELS
    colour = COLOURS[hashlib.sha256(title.encode()).digest()[0] % len(COLOURS)]
    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    margin = size // 10
    lines: list[str] = []
    font = ImageFont.load_default(size=48)
    points = 48
    for points in (150, 130, 110, 95, 80, 64, 48):  # the largest that fits in 6 lines
        font = ImageFont.load_default(size=points)
        width = max(8, int((size - 2 * margin) / (points * 0.55)))
        lines = textwrap.wrap(title, width=width, break_long_words=True)[:6]
        if all(draw.textlength(line, font=font) <= size - 2 * margin for line in lines):
            break
    step = round(points * 1.2)
    y = (size - step * len(lines)) // 2 - (step // 2 if subtitle else 0)
    for line in lines:
        draw.text((size // 2, y), line, font=font, fill="white", anchor="ma")
        y += step
    if subtitle:
        small = ImageFont.load_default(size=56)
        draw.text((size // 2, y + step // 2), subtitle[:60], font=small, fill="#dddddd",
                  anchor="ma")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return Cover(out.getvalue(), "image/png")
