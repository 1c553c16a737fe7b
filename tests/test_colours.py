"""Side colours stay apart for readers with red-green colour blindness.

The colours are data (data/sides.csv). Each colour is run through the Machado, Oliveira and
Fernandes (2009) simulation of deuteranopia and protanopia (severity 1.0, applied in linear
sRGB), converted to CIELAB, and every two sides of *different* coalitions must stay at least
MIN_DELTA_E apart (CIE76), in normal vision as well. Sides of the same coalition (the opposition
factions) may be close: the map tells the coalitions apart, the popup names the faction.
"""
from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MIN_DELTA_E = 20.0  # ΔE*ab; 2.3 is barely noticeable side by side, ~20 reads as another colour on small markers

MACHADO = {
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
}


def linear(hex_colour: str) -> tuple[float, float, float]:
    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return tuple(channel(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5))


def simulate(rgb, matrix):
    if matrix is None:
        return rgb
    return tuple(min(1.0, max(0.0, sum(row[j] * rgb[j] for j in range(3)))) for row in matrix)


def lab(rgb) -> tuple[float, float, float]:
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: str, b: str, matrix) -> float:
    return math.dist(lab(simulate(linear(a), matrix)), lab(simulate(linear(b), matrix)))


def sides() -> list[dict]:
    with open(ROOT / "data" / "sides.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_simulation_confuses_what_it_should():
    """The check can fail: pure red and a green of the same lightness merge for a deuteranope."""
    assert delta_e("#ff0000", "#00ff00", None) > 80
    assert delta_e("#d1312b", "#8a9a1b", MACHADO["deuteranopia"]) < MIN_DELTA_E  # the old gov/SNA pair
    assert delta_e("#e8b400", "#a3b83a", MACHADO["protanopia"]) < MIN_DELTA_E  # the old SDF/Suwayda pair


@pytest.mark.parametrize("vision", [None, "deuteranopia", "protanopia"])
def test_sides_of_different_coalitions_stay_distinguishable(vision):
    matrix = MACHADO.get(vision) if vision else None
    close = [(a["code"], b["code"], round(delta_e(a["colour"], b["colour"], matrix), 1))
             for a, b in itertools.combinations(sides(), 2)
             if a["coalition"] != b["coalition"] and delta_e(a["colour"], b["colour"], matrix) < MIN_DELTA_E]
    assert not close, f"{vision or 'normal vision'}: too close (ΔE < {MIN_DELTA_E}): {close}"
