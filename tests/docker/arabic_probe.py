"""Draws Arabic the way the share card does (app/preview.py) and prints what it found, as JSON.

Run by tests/docker/test_image.py inside the image (`python3 /probe/arabic_probe.py`) and on the
host: the font file the card uses, whether Pillow lays text out with libraqm (which needs
libfribidi at run time), and bitmaps of an Arabic word drawn three ways: as the card draws it,
with Pillow's basic layout (no shaping: isolated letters, left to right) and as missing glyphs.
"""
from __future__ import annotations

import hashlib
import json
import sys

sys.path.insert(0, "/app")

from PIL import Image, ImageDraw, ImageFont, __version__, features  # noqa: E402

from app import preview  # noqa: E402

WORD = "حلب دمشق"  # Aleppo, Damascus: letters that join


def bitmap(text: str, font) -> bytes:
    im = Image.new("L", (420, 90), 0)
    ImageDraw.Draw(im).text((10, 10), text, font=font, fill=255)
    return im.tobytes()


def main() -> None:
    font = preview.font(40)
    path = font.path if isinstance(getattr(font, "path", None), str) else None
    card = bitmap(WORD, font)
    out = {
        "pillow": __version__,
        "font_path": path,
        "font_sha256": hashlib.sha256(open(path, "rb").read()).hexdigest() if path else None,
        "raqm": bool(features.check("raqm")),
        "ink": sum(1 for b in card if b > 127),
        "card_sha256": hashlib.sha256(card).hexdigest(),
        "differs_from_basic_layout": (card != bitmap(WORD, ImageFont.truetype(path, 40, layout_engine=ImageFont.Layout.BASIC))
                                      if path else None),
        "differs_from_missing_glyphs": card != bitmap("\U000e0fff" * len(WORD), font),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
