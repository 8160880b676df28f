"""The digits simulated users draw: strokes in the pad's 280×280 pixels, rendered as pad.js renders its
model canvas (white, round caps and joins, brush 20 on black), at any fraction of the way through
drawing them. The same shape always gives the same pixels, so every session that draws it sends the
same input, and must get the same maps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageDraw

SIZE, BRUSH = 280, 20


def _ring(cx: float, cy: float, rx: float, ry: float, n: int = 24) -> list[tuple[float, float]]:
    return [(cx + rx * math.sin(2 * math.pi * k / n), cy - ry * math.cos(2 * math.pi * k / n)) for k in range(n + 1)]


# Strokes as fractions of the pad (x, y); tests/load.py's browser sessions draw "1" and "7" alike.
SHAPES: dict[str, list[list[tuple[float, float]]]] = {
    "1": [[(0.5, 0.12), (0.5, 0.5), (0.51, 0.88)]],
    "7": [[(0.2, 0.15), (0.8, 0.15), (0.45, 0.9)]],
    "0": [_ring(0.5, 0.5, 0.22, 0.36)],
    "4": [[(0.6, 0.88), (0.6, 0.12), (0.22, 0.62), (0.8, 0.62)]],
}


@dataclass(frozen=True)
class Stroke:
    width: int
    points: tuple[tuple[float, float], ...]  # pad pixels


def _strokes(shape: str, variant: int = 0) -> list[Stroke]:
    """The shape's strokes; variant > 0 moves every vertex by up to ±10 px (seeded by the variant), so
    each variant is another person's hand: another 28×28 input, never found in a cache."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; known: {', '.join(SHAPES)}")
    rng = np.random.default_rng(variant)
    out = []
    for s in SHAPES[shape]:
        pts = np.asarray(s) * SIZE + (rng.uniform(-10, 10, (len(s), 2)) if variant else 0)
        out.append(Stroke(BRUSH, tuple((round(x * 2) / 2, round(y * 2) / 2) for x, y in np.clip(pts, 0, SIZE - 1))))
    return out


def _cut(points: tuple[tuple[float, float], ...], fraction: float) -> list[tuple[float, float]]:
    """The first `fraction` of a polyline, by length (the pen's position part-way through a stroke)."""
    seg = [math.dist(a, b) for a, b in zip(points, points[1:])]
    left, out = fraction * sum(seg), [points[0]]
    for (a, b), d in zip(zip(points, points[1:]), seg):
        if left >= d:
            out.append(b)
            left -= d
            continue
        if left > 0:
            t = left / d
            out.append((round((a[0] + t * (b[0] - a[0])) * 2) / 2, round((a[1] + t * (b[1] - a[1])) * 2) / 2))
        break
    return out


@cache
def ink(shape: str, fraction: float = 1.0, variant: int = 0) -> np.ndarray:
    """The pad's 280×280 uint8 ink after drawing `fraction` (0–1] of the shape's strokes (by length)."""
    strokes = _strokes(shape, variant)
    image = Image.new("L", (SIZE, SIZE), 0)
    draw = ImageDraw.Draw(image)
    budget = fraction * len(strokes)
    for i, s in enumerate(strokes):
        part = min(1.0, budget - i)
        if part <= 0:
            break
        pts = _cut(s.points, part)
        r = s.width / 2
        if len(pts) > 1:
            draw.line(pts, fill=255, width=s.width, joint="curve")
        for x, y in (pts[0], pts[-1]):  # round caps
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return np.asarray(image, dtype=np.uint8)


def stroke_lists(shape: str, fraction: float = 1.0, variant: int = 0) -> list[dict]:
    """The strokes as pad.js keeps them ({w, pts: [x, y, ...]}), sent along so the pad can be redrawn."""
    strokes = _strokes(shape, variant)
    budget = fraction * len(strokes)
    out = []
    for i, s in enumerate(strokes):
        part = min(1.0, budget - i)
        if part <= 0:
            break
        pts = _cut(s.points, part)
        if len(pts) < 2:
            pts = pts * 2
        out.append({"w": s.width, "pts": [v for p in pts for v in p]})
    return out
