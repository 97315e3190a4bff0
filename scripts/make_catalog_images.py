#!/usr/bin/env python3
"""Render the graphic elements of the default verktøy catalog (dev-only tool).

Writes one small, flat, health-themed image per tool into
``src/helsebro/testdata/images/<id>.<ext>``:

* PNG  (96x96, transparent corners)  -> grafisk_element_type 1 "Ikon"
* JPEG (128x96, flat background)     -> grafisk_element_type 2 "Bilde"
* SVG  (96x96, hand-written markup)  -> grafisk_element_type 3 "Logo"

The output is deterministic: no randomness, no timestamps, no metadata, and the
only font used is the one embedded in Pillow (``ImageFont.load_default``).
The table below must stay in step with ``grafiske_elementer`` in
``testdata/catalog.json``.  Run with the project venv:

    .venv/bin/python scripts/make_catalog_images.py
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "helsebro" / "testdata" / "images"

SCALE = 4  # draw at 4x, then downsample for smooth edges

# id: (ext, background colour, symbol, initials)
# symbols: cross heart moon drop leaf play check bubble person pulse star lungs text
IMAGES: dict[int, tuple[str, str, str, str]] = {
    1: ("png", "#6a4c93", "star", "MT"),  # Minnetrening for eldre
    2: ("png", "#1b6ca8", "lungs", "KO"),  # Hjemmeoppfølging ved KOLS
    3: ("svg", "#2a9d8f", "check", "TD"),  # Test deg selv: Hvordan har du det?
    4: ("jpg", "#e76f51", "bubble", "UP"),  # Ungdomspodden om stress og press
    5: ("png", "#00838f", "bubble", "AS"),  # Assistert selvhjelp ved angst (seed example)
    6: ("png", "#283593", "moon", "SS"),  # Søvnskolen
    7: ("png", "#3949ab", "moon", "BS"),  # Bedre søvn i eldre år
    8: ("png", "#c62828", "drop", "DD"),  # Diabetesdagboka
    9: ("svg", "#8e24aa", "pulse", "ÅL"),  # Å leve med langvarige smerter
    10: ("jpg", "#43a047", "leaf", "RF"),  # Røykfri
    11: ("png", "#d81b60", "heart", "GT"),  # Gravid og trygg
    12: ("png", "#fb8c00", "person", "BU"),  # Barnets utvikling 0–5 år
    13: ("png", "#5d4037", "heart", "PD"),  # Støtte til pårørende ved demens
    14: ("png", "#00897b", "play", "OH"),  # Opptrening etter hofteprotese
    15: ("svg", "#0277bd", "person", "ØR"),  # Øvelser for rygg og nakke
    16: ("jpg", "#6d4c41", "drop", "AL"),  # Ærlig om alkohol
    17: ("png", "#1e88e5", "text", "eM"),  # eMestring ved depresjon
    18: ("png", "#7cb342", "leaf", "mK"),  # mittKosthold
    19: ("png", "#039be5", "lungs", "AB"),  # Astmaskolen for barn og foreldre
    20: ("png", "#e53935", "pulse", "BT"),  # Blodtrykket mitt
    21: ("svg", "#c2185b", "heart", "HS"),  # Hjerteskolen
    22: ("jpg", "#5e35b1", "pulse", "ED"),  # Epilepsidagboka
    23: ("png", "#00796b", "bubble", "HN"),  # Hverdagsmestring for nyankomne
    24: ("png", "#b71c1c", "text", "BE"),  # Buorre eallin
    25: ("png", "#ad1457", "check", "SK"),  # Spisevaner og kropp
    26: ("png", "#f4511e", "star", "AF"),  # ADHD-hjelp for foreldre
    27: ("svg", "#303f9f", "moon", "SG"),  # Sov godt, ungdom!
    28: ("jpg", "#558b2f", "person", "FF"),  # Fallforebygging
    29: ("png", "#0097a7", "text", "HT"),  # Hørselstesten
    30: ("png", "#795548", "heart", "SB"),  # Sorgstøtte for barn og unge
    31: ("png", "#2e7d32", "cross", "SU"),  # Snus og ungdom
    32: ("png", "#ef6c00", "play", "AK"),  # Aktiv med kreft
    33: ("svg", "#455a64", "pulse", "KS"),  # Kartlegg stressnivået ditt
    34: ("jpg", "#ec407a", "person", "BK"),  # Barselkroppen
}

WHITE = (255, 255, 255, 255)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _draw_symbol(img: Image.Image, symbol: str, initials: str, cx: float, cy: float, r: float, bg: tuple[int, int, int]) -> None:
    """Draw a white symbol of radius ~r centred on (cx, cy)."""
    d = ImageDraw.Draw(img)
    bg4 = (*bg, 255)
    w = r * 0.36  # stroke / bar width
    if symbol == "cross":
        d.rounded_rectangle((cx - w / 2, cy - r, cx + w / 2, cy + r), radius=w / 4, fill=WHITE)
        d.rounded_rectangle((cx - r, cy - w / 2, cx + r, cy + w / 2), radius=w / 4, fill=WHITE)
    elif symbol == "heart":
        cr = r * 0.5
        d.ellipse((cx - 2 * cr, cy - r * 0.75, cx, cy - r * 0.75 + 2 * cr), fill=WHITE)
        d.ellipse((cx, cy - r * 0.75, cx + 2 * cr, cy - r * 0.75 + 2 * cr), fill=WHITE)
        d.polygon(
            [(cx - 2 * cr + r * 0.04, cy - r * 0.05), (cx, cy - r * 0.45), (cx + 2 * cr - r * 0.04, cy - r * 0.05), (cx, cy + r * 0.95)],
            fill=WHITE,
        )
    elif symbol == "moon":
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)
        off = r * 0.55
        d.ellipse((cx - r + off, cy - r - off * 0.5, cx + r + off, cy + r - off * 0.5), fill=bg4)
    elif symbol == "drop":
        cr = r * 0.62
        ccy = cy + r - cr
        d.ellipse((cx - cr, ccy - cr, cx + cr, ccy + cr), fill=WHITE)
        ang = math.asin(cr / (r * 2 - cr))
        tx, ty = cx, cy - r
        d.polygon(
            [(tx, ty), (cx - cr * math.cos(ang), ccy - cr * math.sin(ang)), (cx + cr * math.cos(ang), ccy - cr * math.sin(ang))], fill=WHITE
        )
    elif symbol == "leaf":
        layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
        ld = ImageDraw.Draw(layer)
        ld.ellipse((cx - r * 0.5, cy - r, cx + r * 0.5, cy + r), fill=WHITE)
        ld.line((cx, cy - r * 0.8, cx, cy + r * 1.1), fill=bg4, width=int(w * 0.35))
        layer = layer.rotate(-40, center=(cx, cy), resample=Image.BICUBIC)
        img.alpha_composite(layer)
    elif symbol == "play":
        d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=WHITE, width=int(w * 0.5))
        t = r * 0.45
        d.polygon([(cx - t * 0.7, cy - t), (cx - t * 0.7, cy + t), (cx + t, cy)], fill=WHITE)
    elif symbol == "check":
        d.line(
            [(cx - r * 0.8, cy + r * 0.05), (cx - r * 0.25, cy + r * 0.6), (cx + r * 0.85, cy - r * 0.6)],
            fill=WHITE,
            width=int(w),
            joint="curve",
        )
        for px, py in ((cx - r * 0.8, cy + r * 0.05), (cx + r * 0.85, cy - r * 0.6)):
            d.ellipse((px - w / 2, py - w / 2, px + w / 2, py + w / 2), fill=WHITE)
    elif symbol == "bubble":
        d.rounded_rectangle((cx - r, cy - r * 0.75, cx + r, cy + r * 0.45), radius=r * 0.35, fill=WHITE)
        d.polygon([(cx - r * 0.5, cy + r * 0.3), (cx - r * 0.1, cy + r * 0.3), (cx - r * 0.65, cy + r * 0.95)], fill=WHITE)
        for k in (-1, 0, 1):
            dx = k * r * 0.45
            d.ellipse((cx + dx - w / 3, cy - r * 0.15 - w / 3, cx + dx + w / 3, cy - r * 0.15 + w / 3), fill=bg4)
    elif symbol == "person":
        hr = r * 0.36
        d.ellipse((cx - hr, cy - r, cx + hr, cy - r + 2 * hr), fill=WHITE)
        d.chord((cx - r * 0.8, cy - r * 0.15, cx + r * 0.8, cy + r * 1.6), 180, 360, fill=WHITE)
    elif symbol == "pulse":
        pts = [
            (cx - r, cy),
            (cx - r * 0.45, cy),
            (cx - r * 0.2, cy - r * 0.7),
            (cx + r * 0.1, cy + r * 0.7),
            (cx + r * 0.38, cy - r * 0.25),
            (cx + r * 0.55, cy),
            (cx + r, cy),
        ]
        d.line(pts, fill=WHITE, width=int(w * 0.6), joint="curve")
    elif symbol == "star":
        pts = []
        for k in range(10):
            rr = r if k % 2 == 0 else r * 0.45
            a = -math.pi / 2 + k * math.pi / 5
            pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
        d.polygon(pts, fill=WHITE)
    elif symbol == "lungs":
        d.rounded_rectangle((cx - w * 0.2, cy - r, cx + w * 0.2, cy), radius=w * 0.1, fill=WHITE)
        d.ellipse((cx - r, cy - r * 0.55, cx - r * 0.12, cy + r), fill=WHITE)
        d.ellipse((cx + r * 0.12, cy - r * 0.55, cx + r, cy + r), fill=WHITE)
    elif symbol == "text":
        font = _font(int(r * 1.25))
        d.text((cx, cy), initials, font=font, fill=WHITE, anchor="mm")
    else:  # pragma: no cover - table typo
        raise ValueError(f"unknown symbol {symbol!r}")


def _label(img: Image.Image, initials: str, cx: float, y: float, size: int) -> None:
    d = ImageDraw.Draw(img)
    d.text((cx, y), initials, font=_font(size), fill=WHITE, anchor="mm")


def _check_ascii(initials: str) -> None:
    # Pillow's embedded font has no æ/ø/å glyphs: keep raster labels ASCII.
    if not initials.isascii():
        raise ValueError(f"raster label {initials!r} must be ASCII")


def render_png(path: Path, colour: str, symbol: str, initials: str) -> None:
    _check_ascii(initials)
    size = 96
    s = size * SCALE
    bg = _rgb(colour)
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    ImageDraw.Draw(img).rounded_rectangle((0, 0, s - 1, s - 1), radius=s * 0.22, fill=(*bg, 255))
    if symbol == "text":
        _draw_symbol(img, symbol, initials, s / 2, s / 2, s * 0.3, bg)
    else:
        _draw_symbol(img, symbol, initials, s / 2, s * 0.43, s * 0.25, bg)
        _label(img, initials, s / 2, s * 0.84, int(s * 0.14))
    img = img.resize((size, size), Image.LANCZOS)
    img = img.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    img.save(path, format="PNG", optimize=True)


def render_jpeg(path: Path, colour: str, symbol: str, initials: str) -> None:
    _check_ascii(initials)
    width, height = 128, 96
    bg = _rgb(colour)
    light = tuple(int(c + (255 - c) * 0.88) for c in bg)
    img = Image.new("RGBA", (width * SCALE, height * SCALE), (*light, 255))
    d = ImageDraw.Draw(img)
    cx, cy, cr = width * SCALE * 0.34, height * SCALE * 0.5, height * SCALE * 0.36
    d.ellipse((cx - cr, cy - cr, cx + cr, cy + cr), fill=(*bg, 255))
    _draw_symbol(img, symbol, initials, cx, cy, cr * 0.6, bg)
    d = ImageDraw.Draw(img)
    d.text((width * SCALE * 0.79, cy), initials, font=_font(int(height * SCALE * 0.3)), fill=(*bg, 255), anchor="mm")
    img = img.resize((width, height), Image.LANCZOS).convert("RGB")
    img.save(path, format="JPEG", quality=85, optimize=True)


def _svg_symbol(symbol: str, initials: str) -> str:
    """Symbol markup for a 96x96 canvas, centred at (48, 40), white."""
    w = 'fill="#ffffff"'
    stroke = 'fill="none" stroke="#ffffff" stroke-width="7" stroke-linecap="round" stroke-linejoin="round"'
    if symbol == "check":
        return f'<path d="M29 41 L42 54 L67 28" {stroke}/>'
    if symbol == "pulse":
        return f'<path d="M22 40 H35 L41 24 L49 56 L56 34 L60 40 H74" {stroke.replace("7", "5")}/>'
    if symbol == "person":
        return f'<circle cx="48" cy="26" r="9" {w}/><path d="M31 60 C31 44 65 44 65 60 Z" {w}/>'
    if symbol == "heart":
        return (
            f'<path d="M48 62 C30 50 24 42 24 33 C24 25 30 20 37 20 C42 20 46 23 48 27 '
            f'C50 23 54 20 59 20 C66 20 72 25 72 33 C72 42 66 50 48 62 Z" {w}/>'
        )
    if symbol == "moon":
        return f'<path d="M58 20 A22 22 0 1 0 70 50 A17 17 0 1 1 58 20 Z" {w}/>'
    raise ValueError(f"no SVG for symbol {symbol!r}")


def render_svg(path: Path, colour: str, symbol: str, initials: str) -> None:
    body = _svg_symbol(symbol, initials)
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96" '
        f'role="img" aria-label="{initials}">\n'
        f'  <rect x="0" y="0" width="96" height="96" rx="21" ry="21" fill="{colour}"/>\n'
        f"  {body}\n"
        f'  <text x="48" y="84" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
        f'font-size="14" font-weight="bold" fill="#ffffff">{initials}</text>\n'
        "</svg>\n"
    )
    path.write_text(text, encoding="utf-8")


RENDERERS = {"png": render_png, "jpg": render_jpeg, "svg": render_svg}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    wanted = {f"{i}.{ext}" for i, (ext, *_rest) in IMAGES.items()}
    for stale in OUT.iterdir():
        if stale.is_file() and stale.suffix in (".png", ".jpg", ".svg") and stale.name not in wanted:
            stale.unlink()
    for image_id, (ext, colour, symbol, initials) in sorted(IMAGES.items()):
        path = OUT / f"{image_id}.{ext}"
        RENDERERS[ext](path, colour, symbol, initials)
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
