"""Demo photos of damage, painted from a seeded generator so every run sends the same bytes."""

from __future__ import annotations

import functools
import io
import math
import random
import zlib
from collections.abc import Callable

from PIL import Image
from PIL import ImageDraw
from PIL import ImageFilter
from PIL import ImageOps

SIZE = (960, 720)


def demo_subject(name: str) -> str | None:
    """The subject a demo name paints, or None; pothole2 is a second pothole, seeded apart."""
    subject = name.rstrip("0123456789")
    return subject if subject in _PAINTERS else None


@functools.lru_cache(maxsize=32)
def demo_photo(name: str) -> bytes:
    """A realistic-looking JPEG of damage, the same bytes for the same name on every run."""
    subject = demo_subject(name)
    if subject is None:
        raise ValueError(f"no demo photo {name!r}")
    image = _PAINTERS[subject](random.Random(zlib.crc32(name.encode())))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def _noise(rng: random.Random, size: tuple[int, int], blur: float, scale: int = 1) -> Image.Image:
    """Grey noise stretched to full range: fine grain at scale 1, blotches when larger."""
    small = (max(size[0] // scale, 1), max(size[1] // scale, 1))
    image = Image.frombytes("L", small, rng.randbytes(small[0] * small[1]))
    if scale > 1:
        image = image.resize(size, Image.Resampling.BICUBIC)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    return ImageOps.autocontrast(image, cutoff=1)


def _surface(
    rng: random.Random, dark: tuple[int, int, int], light: tuple[int, int, int]
) -> Image.Image:
    """Asphalt, gravel or grass: grain over blotches, tinted between two colours."""
    grain = _noise(rng, SIZE, 0.8)
    blotches = _noise(rng, SIZE, 6, scale=24)
    grey = Image.blend(grain, blotches, 0.3)
    return ImageOps.colorize(grey, black=dark, white=light)


def _asphalt(rng: random.Random) -> Image.Image:
    image = _surface(rng, (52, 52, 54), (132, 130, 124))
    shade = Image.linear_gradient("L").resize(SIZE).point(lambda v: v // 4)
    # Nearer the camera (lower in the picture) is darker, as in a photo taken standing up.
    return Image.composite(Image.new("RGB", SIZE, (30, 30, 32)), image, shade)


def _blob(
    rng: random.Random, cx: float, cy: float, rx: float, ry: float
) -> list[tuple[float, float]]:
    """A ragged ellipse, as broken asphalt edges are."""
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    points = []
    for i in range(72):
        angle = 2 * math.pi * i / 72
        wobble = sum(math.sin(k * angle + p) for k, p in zip((2, 3, 5), phases, strict=True))
        r = 1 + 0.07 * wobble + rng.uniform(-0.04, 0.04)
        points.append((cx + rx * r * math.cos(angle), cy + ry * r * math.sin(angle)))
    return points


def _pothole(rng: random.Random) -> Image.Image:
    image = _asphalt(rng)
    w, h = SIZE
    cx, cy = w * rng.uniform(0.4, 0.6), h * rng.uniform(0.5, 0.65)
    rx, ry = w * rng.uniform(0.16, 0.26), h * rng.uniform(0.1, 0.16)
    mask = Image.new("L", SIZE)
    ImageDraw.Draw(mask).polygon(_blob(rng, cx, cy, rx, ry), fill=255)
    hole = _surface(rng, (12, 11, 10), (70, 64, 56))
    image.paste(hole, mask=mask.filter(ImageFilter.GaussianBlur(3)))
    water = Image.new("L", SIZE)
    ImageDraw.Draw(water).polygon(_blob(rng, cx, cy + ry * 0.2, rx * 0.6, ry * 0.45), fill=150)
    image.paste((96, 108, 124), mask=water.filter(ImageFilter.GaussianBlur(6)))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(8, 16)):  # loose chunks around the rim
        angle = rng.uniform(0, 2 * math.pi)
        x, y = cx + rx * 1.2 * math.cos(angle), cy + ry * 1.25 * math.sin(angle)
        size = rng.uniform(4, 14)
        grey = rng.randint(60, 120)
        draw.polygon(_blob(rng, x, y, size, size * 0.7), fill=(grey, grey, grey - 4))
    return image


def _crack_line(
    draw: ImageDraw.ImageDraw, rng: random.Random, start: tuple[float, float], angle: float,
    steps: int, width: int,
) -> list[tuple[float, float]]:
    x, y = start
    points = [(x, y)]
    heading = angle
    for _ in range(steps):
        # Wander, but keep the general heading, as a crack across a lane does.
        angle = heading + 0.8 * (angle - heading) + rng.uniform(-0.5, 0.5)
        x, y = x + 14 * math.cos(angle), y + 14 * math.sin(angle)
        points.append((x, y))
    draw.line([(px + 1, py + 1) for px, py in points], fill=(95, 94, 90), width=width)
    draw.line(points, fill=(18, 18, 18), width=width)
    return points


def _crack(rng: random.Random) -> Image.Image:
    image = _asphalt(rng)
    draw = ImageDraw.Draw(image)
    w, h = SIZE
    start = (0.0, h * rng.uniform(0.3, 0.7))
    heading = math.atan2(h / 2 - start[1], w) + rng.uniform(-0.15, 0.15)  # across the frame
    main = _crack_line(draw, rng, start, heading, 75, 5)
    for _ in range(rng.randint(3, 6)):
        fork = main[rng.randrange(len(main))]
        _crack_line(draw, rng, fork, rng.uniform(0, 2 * math.pi), rng.randint(6, 20), 3)
    return image


def _bench(rng: random.Random) -> Image.Image:
    w, h = SIZE
    image = _surface(rng, (30, 60, 25), (120, 160, 80))  # lawn and trees behind
    gravel = _surface(rng, (120, 110, 95), (215, 205, 185))
    image.paste(gravel.crop((0, int(h * 0.62), w, h)), (0, int(h * 0.62)))
    draw = ImageDraw.Draw(image)
    left, right, seat = w * 0.14, w * 0.86, h * 0.55
    for x in (left + 30, right - 50):  # legs
        draw.rectangle((x, seat, x + 20, h * 0.8), fill=(48, 48, 52))
    broken = rng.randrange(4)
    for i in range(4):  # three back slats and the seat
        top = h * 0.28 + i * h * 0.075
        wood = (rng.randint(120, 140), rng.randint(78, 90), rng.randint(40, 52))
        if i != broken:
            draw.rectangle((left, top, right, top + h * 0.05), fill=wood)
            continue
        split = rng.uniform(0.35, 0.6) * (right - left) + left
        draw.rectangle((left, top, split, top + h * 0.05), fill=wood)
        sag = h * rng.uniform(0.08, 0.14)  # the broken half hangs down
        draw.polygon([(split + 8, top), (right, top + sag), (right, top + sag + h * 0.05),
                      (split + 8, top + h * 0.05)], fill=(wood[0] - 25, wood[1] - 20, wood[2] - 10))
    return image.filter(ImageFilter.GaussianBlur(0.6))


def _streetlight(rng: random.Random) -> Image.Image:
    w, h = SIZE
    sky = ImageOps.colorize(Image.linear_gradient("L").resize(SIZE), (22, 30, 66), (205, 120, 72))
    image = sky.copy()
    road = _surface(rng, (14, 14, 16), (60, 58, 56))
    image.paste(road.crop((0, int(h * 0.72), w, h)), (0, int(h * 0.72)))
    glow = Image.new("L", SIZE)
    glows = ImageDraw.Draw(glow)
    draw = ImageDraw.Draw(image)
    for i in range(rng.randint(3, 5)):  # the neighbours' lamps, lit, further down the road
        x, y = w * (0.55 + 0.09 * i), h * (0.52 + 0.03 * i)
        draw.line((x, y, x, h * 0.74), fill=(20, 20, 24), width=3)
        glows.ellipse((x - 18, y - 18, x + 18, y + 18), fill=255)
    image.paste((255, 214, 140), mask=glow.filter(ImageFilter.GaussianBlur(10)))
    pole = w * rng.uniform(0.22, 0.32)
    draw.rectangle((pole, h * 0.12, pole + 16, h * 0.9), fill=(58, 60, 64))
    draw.line((pole + 8, h * 0.13, pole + 150, h * 0.16), fill=(58, 60, 64), width=10)
    draw.ellipse((pole + 120, h * 0.14, pole + 200, h * 0.19), fill=(40, 40, 44))  # dark
    return image


def _guardrail(rng: random.Random) -> Image.Image:
    w, h = SIZE
    image = _surface(rng, (35, 70, 30), (140, 170, 90))
    road = _asphalt(rng)
    image.paste(road.crop((0, int(h * 0.6), w, h)), (0, int(h * 0.6)))
    draw = ImageDraw.Draw(image)
    dent_at, depth = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.06, 0.12)

    def rail(x: float) -> float:
        return h * 0.42 + depth * math.exp(-(((x - dent_at) / (w * 0.08)) ** 2))

    for x in range(40, w, 150):  # posts
        draw.rectangle((x, rail(x), x + 14, h * 0.66), fill=(150, 150, 150))
    for x in range(0, w, 4):
        top = rail(x)
        shade = 230 if abs(x - dent_at) > w * 0.1 else 180
        draw.rectangle((x, top, x + 4, top + h * 0.07), fill=(shade, shade, shade - 8))
        draw.line((x, top + h * 0.035, x + 4, top + h * 0.035), fill=(150, 150, 150), width=2)
    return image


_PAINTERS: dict[str, Callable[[random.Random], Image.Image]] = {
    "pothole": _pothole,
    "crack": _crack,
    "bench": _bench,
    "streetlight": _streetlight,
    "guardrail": _guardrail,
}
DEMO_SUBJECTS = tuple(_PAINTERS)
