#!/usr/bin/env python3
"""Renders a terminal screen captured as ANSI text (`tmux capture-pane -e -p -N`) to a PNG.

Usage: ansi2png.py INPUT OUTPUT.png [--cols 120] [--rows 32] [--font-size 16] [--margin 8]

INPUT is a file ("-" for stdin) holding one screen row per line. SGR attributes carry over
from one line to the next, as tmux writes them. Handled: reset, bold, dim, italic, underline
(all styles drawn as a single line), blink (ignored), reverse, hidden, strike-through, the
16 colours (30-37, 90-97, 40-47, 100-107), 256 colours (38;5;n / 48;5;n), truecolor
(38;2;r;g;b, also the colon forms) and default foreground/background on a dark theme. Other
escape sequences (cursor moves, OSC titles and hyperlinks) are skipped. Each cell has one
fixed size; East Asian wide and fullwidth characters (CJK, most emoji) take two cells, as
in tmux; combining marks and variation selectors join the previous cell. Text is drawn in
DejaVu Sans Mono (bold and oblique faces for bold and italic); a glyph the font lacks comes
from the first fallback font that has it (DejaVu Sans, Symbola, Droid Sans Fallback, Noto
CJK, WenQuanYi), scaled down when it is wider than its cells. Box-drawing lines and block
elements are drawn as shapes so that they join across cells.
"""

import argparse
import os
import re
import sys
import unicodedata

try:
    from PIL import Image, ImageDraw, ImageFont
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit(
        "ansi2png.py: Python's PIL is missing; on Debian: apt-get install -y python3-pil "
        "fonts-dejavu-core (and run this with /usr/bin/python3)"
    )

# A dark theme (Tango's palette, as GNOME Terminal uses it).
DEFAULT_FG = (211, 215, 207)
DEFAULT_BG = (30, 30, 30)
PALETTE16 = [
    (46, 52, 54), (204, 0, 0), (78, 154, 6), (196, 160, 0),
    (52, 101, 164), (117, 80, 123), (6, 152, 154), (211, 215, 207),
    (85, 87, 83), (239, 41, 41), (138, 226, 52), (252, 233, 79),
    (114, 159, 207), (173, 127, 168), (52, 226, 226), (238, 238, 236),
]


def palette256(n):
    if n < 16:
        return PALETTE16[n]
    if n < 232:
        n -= 16
        levels = (0, 95, 135, 175, 215, 255)
        return (levels[n // 36], levels[(n // 6) % 6], levels[n % 6])
    v = 8 + 10 * (n - 232)
    return (v, v, v)


FONT_DIRS = ["/usr/share/fonts/truetype", "/usr/share/fonts/opentype", "/usr/share/fonts"]
MONO_FACES = {
    (False, False): "DejaVuSansMono.ttf",
    (True, False): "DejaVuSansMono-Bold.ttf",
    (False, True): "DejaVuSansMono-Oblique.ttf",
    (True, True): "DejaVuSansMono-BoldOblique.ttf",
}
FALLBACKS = [
    "DejaVuSans.ttf",
    "Symbola_hint.ttf",
    "Symbola.ttf",
    "DroidSansFallbackFull.ttf",
    "NotoSansCJK-Regular.ttc",
    "NotoSansMonoCJK-Regular.ttc",
    "wqy-zenhei.ttc",
    "wqy-microhei.ttc",
]


def find_font(name):
    for root in FONT_DIRS:
        if not os.path.isdir(root):
            continue
        for dirpath, _dirs, files in os.walk(root):
            if name in files:
                return os.path.join(dirpath, name)
    return None


def cell_width(ch):
    """Columns one code point takes, the way tmux (glibc's wcwidth) counts them."""
    if ch == "\u200d" or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    if 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF:
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


class Style:
    __slots__ = ("fg", "bg", "bold", "dim", "italic", "underline", "reverse", "hidden", "strike")

    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None  # None: the default colour
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = False
        self.reverse = self.hidden = self.strike = False

    def copy(self):
        s = Style.__new__(Style)
        for k in Style.__slots__:
            setattr(s, k, getattr(self, k))
        return s


def parse_extended_colour(params, i):
    """Reads 5;n or 2;r;g;b after a 38/48/58 at params[i]; returns (colour, next index)."""
    if i + 1 < len(params) and params[i + 1] == 5 and i + 2 < len(params):
        return palette256(max(0, min(255, params[i + 2]))), i + 3
    if i + 1 < len(params) and params[i + 1] == 2 and i + 4 < len(params):
        r, g, b = (max(0, min(255, v)) for v in params[i + 2 : i + 5])
        return (r, g, b), i + 5
    return None, len(params)


def apply_sgr(style, raw):
    """Applies one SGR parameter string (the text between ESC[ and m) to style."""
    if raw == "":
        style.reset()
        return
    # Colon sub-parameters (38:2::r:g:b, 4:3) are handled group by group; plain ones in a
    # run, since 38;5;n spreads one colour over several semicolon-separated parameters.
    groups = raw.split(";")
    plain = []
    for g in groups:
        if ":" in g:
            if plain:
                apply_plain(style, plain)
                plain = []
            apply_colon(style, g)
        else:
            plain.append(int(g) if g.isdigit() else 0)
    if plain:
        apply_plain(style, plain)


def apply_colon(style, group):
    parts = [int(p) if p.isdigit() else None for p in group.split(":")]
    head = parts[0]
    if head == 4:
        style.underline = parts[1] not in (0, None) if len(parts) > 1 else True
        return
    if head in (38, 48, 58) and len(parts) > 1:
        colour = None
        if parts[1] == 5 and len(parts) > 2 and parts[2] is not None:
            colour = palette256(max(0, min(255, parts[2])))
        elif parts[1] == 2:
            rgb = [p for p in parts[2:] if p is not None]
            rgb = rgb[-3:] if len(rgb) >= 3 else None  # 38:2::r:g:b or 38:2:r:g:b
            if rgb:
                colour = tuple(max(0, min(255, v)) for v in rgb)
        if colour is not None:
            if head == 38:
                style.fg = colour
            elif head == 48:
                style.bg = colour
        return
    apply_plain(style, [p or 0 for p in parts[:1]])


def apply_plain(style, params):
    i = 0
    while i < len(params):
        p = params[i]
        if p == 0:
            style.reset()
        elif p == 1:
            style.bold = True
        elif p == 2:
            style.dim = True
        elif p == 3:
            style.italic = True
        elif p in (4, 21):
            style.underline = True
        elif p == 7:
            style.reverse = True
        elif p == 8:
            style.hidden = True
        elif p == 9:
            style.strike = True
        elif p == 22:
            style.bold = style.dim = False
        elif p == 23:
            style.italic = False
        elif p == 24:
            style.underline = False
        elif p == 27:
            style.reverse = False
        elif p == 28:
            style.hidden = False
        elif p == 29:
            style.strike = False
        elif 30 <= p <= 37:
            style.fg = PALETTE16[p - 30]
        elif 90 <= p <= 97:
            style.fg = PALETTE16[p - 90 + 8]
        elif 40 <= p <= 47:
            style.bg = PALETTE16[p - 40]
        elif 100 <= p <= 107:
            style.bg = PALETTE16[p - 100 + 8]
        elif p == 39:
            style.fg = None
        elif p == 49:
            style.bg = None
        elif p in (38, 48, 58):
            colour, nxt = parse_extended_colour(params, i)
            if colour is not None and p == 38:
                style.fg = colour
            elif colour is not None and p == 48:
                style.bg = colour
            i = nxt
            continue
        # 5/6 blink, 53 overline and the rest: ignored
        i += 1


# ESC [ params intermediates final | ESC ] ... (BEL | ESC \) | ESC P/X/^/_ ... ESC \ | ESC x
ESCAPE = re.compile(
    r"\x1b\[([0-?]*)([ -/]*)([@-~])"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-~]?"
)


def parse(text, cols, rows):
    """Returns rows x cols cells: (text, style, width) for a cell that starts a character,
    None for the second column of a wide character."""
    style = Style()
    grid = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines[:rows]:
        row = []
        pos = 0
        for m in ESCAPE.finditer(line + "\x1b"):  # the sentinel flushes the tail
            chunk = line[pos : m.start()]
            pos = m.end()
            for ch in chunk:
                if ch in "\r\x07" or (ord(ch) < 32 and ch != "\t"):
                    continue
                if ch == "\t":
                    stop = min(cols, (len(row) // 8 + 1) * 8)
                    while len(row) < stop:
                        row.append((" ", style.copy(), 1))
                    continue
                w = cell_width(ch)
                if w == 0:
                    # joins the previous character (or stands alone at a line's start)
                    idx = len(row) - 1
                    while idx >= 0 and row[idx] is None:
                        idx -= 1
                    if idx >= 0:
                        t, s, cw = row[idx]
                        row[idx] = (t + ch, s, cw)
                    continue
                if len(row) + w > cols:
                    continue  # past the right edge
                row.append((ch, style.copy(), w))
                if w == 2:
                    row.append(None)
            if m.group(3) == "m" and m.group(2) == "" and m.start() < len(line):
                params = m.group(1)
                if not params.startswith(("<", "=", ">", "?")):
                    apply_sgr(style, params)
        while len(row) < cols:
            row.append((" ", style_default(), 1))
        grid.append(row)
    while len(grid) < rows:
        grid.append([(" ", style_default(), 1) for _ in range(cols)])
    return grid


def style_default():
    return Style()


def resolve_colours(s):
    fg = s.fg if s.fg is not None else DEFAULT_FG
    bg = s.bg if s.bg is not None else DEFAULT_BG
    if s.reverse:
        fg, bg = bg, fg
    if s.dim:
        fg = tuple((a + b) // 2 for a, b in zip(fg, bg))
    if s.hidden:
        fg = bg
    return fg, bg


class Fonts:
    def __init__(self, size):
        self.size = size
        self.faces = {}
        for key, name in MONO_FACES.items():
            path = find_font(name)
            if path is None and key == (False, False):
                sys.exit(
                    "ansi2png.py: DejaVu Sans Mono not found; on Debian: "
                    "apt-get install -y fonts-dejavu-core"
                )
            self.faces[key] = ImageFont.truetype(path, size) if path else None
        regular = self.faces[(False, False)]
        for key in self.faces:
            if self.faces[key] is None:
                self.faces[key] = regular
        self.fallback_paths = [p for p in (find_font(n) for n in FALLBACKS) if p]
        self.fallbacks = [ImageFont.truetype(p, size) for p in self.fallback_paths]
        ascent, descent = regular.getmetrics()
        self.ascent = ascent
        self.cell_w = round(regular.getlength("M"))
        self.cell_h = ascent + descent
        self._has = {}
        self._notdef = {}
        self._scaled = {}

    def _signature(self, font, text):
        mask = font.getmask(text)
        return mask.size, bytes(mask)

    def has_glyph(self, font, ch):
        key = (id(font), ch)
        if key not in self._has:
            if id(font) not in self._notdef:
                self._notdef[id(font)] = self._signature(font, "\U0010fffd")
            sig = self._signature(font, ch)
            blank = not any(sig[1])
            self._has[key] = sig != self._notdef[id(font)] and (not blank or ch.isspace())
        return self._has[key]

    def pick(self, text, bold, italic):
        """The font for a cell's text and whether it is a fallback."""
        base = text[0]
        face = self.faces[(bold, italic)]
        if base.isspace() or self.has_glyph(face, base):
            return face, False
        for f in self.fallbacks:
            if self.has_glyph(f, base):
                return f, True
        return face, False  # drawn as the font's missing-glyph box

    def fit(self, font, text, width):
        """font, or a smaller size of the same file, so that text fits width pixels."""
        length = font.getlength(text)
        if length <= width * 1.05:
            return font
        size = max(6, int(font.size * width / length))
        key = (font.path, size)
        if key not in self._scaled:
            self._scaled[key] = ImageFont.truetype(font.path, size)
        return self._scaled[key]


# Box drawing: (up, right, down, left) weights, 1 light and 2 heavy, for U+2500..U+254B.
def _box_table():
    t = {}
    L, H = 1, 2
    simple = {
        0x2500: (0, L, 0, L), 0x2501: (0, H, 0, H), 0x2502: (L, 0, L, 0), 0x2503: (H, 0, H, 0),
        0x250C: (0, L, L, 0), 0x250D: (0, H, L, 0), 0x250E: (0, L, H, 0), 0x250F: (0, H, H, 0),
        0x2510: (0, 0, L, L), 0x2511: (0, 0, L, H), 0x2512: (0, 0, H, L), 0x2513: (0, 0, H, H),
        0x2514: (L, L, 0, 0), 0x2515: (L, H, 0, 0), 0x2516: (H, L, 0, 0), 0x2517: (H, H, 0, 0),
        0x2518: (L, 0, 0, L), 0x2519: (L, 0, 0, H), 0x251A: (H, 0, 0, L), 0x251B: (H, 0, 0, H),
        0x251C: (L, L, L, 0), 0x251D: (L, H, L, 0), 0x2520: (H, L, H, 0), 0x2523: (H, H, H, 0),
        0x2524: (L, 0, L, L), 0x2525: (L, 0, L, H), 0x2528: (H, 0, H, L), 0x252B: (H, 0, H, H),
        0x252C: (0, L, L, L), 0x252F: (0, H, L, H), 0x2530: (0, L, H, L), 0x2533: (0, H, H, H),
        0x2534: (L, L, 0, L), 0x2537: (L, H, 0, H), 0x2538: (H, L, 0, L), 0x253B: (H, H, 0, H),
        0x253C: (L, L, L, L), 0x253F: (L, H, L, H), 0x2542: (H, L, H, L), 0x254B: (H, H, H, H),
        # rounded corners, drawn square
        0x256D: (0, L, L, 0), 0x256E: (0, 0, L, L), 0x256F: (L, 0, 0, L), 0x2570: (L, L, 0, 0),
        0x2574: (0, 0, 0, L), 0x2575: (L, 0, 0, 0), 0x2576: (0, L, 0, 0), 0x2577: (0, 0, L, 0),
        0x2578: (0, 0, 0, H), 0x2579: (H, 0, 0, 0), 0x257A: (0, H, 0, 0), 0x257B: (0, 0, H, 0),
    }
    for cp, v in simple.items():
        t[chr(cp)] = v
    return t


BOX = _box_table()


def draw_special(draw, ch, x, y, w, h, fg, bg):
    """Draws box-drawing lines and block elements as shapes; False when ch is not one."""
    if ch in BOX:
        up, right, down, left = BOX[ch]
        cx, cy = x + w // 2, y + h // 2
        thin = max(1, w // 9)
        for weight, box in (
            (up, (cx, y, cx, cy)),
            (down, (cx, cy, cx, y + h - 1)),
            (left, (x, cy, cx, cy)),
            (right, (cx, cy, x + w - 1, cy)),
        ):
            if weight:
                t = thin * weight
                x0, y0, x1, y1 = box
                if x0 == x1:
                    draw.rectangle((x0 - t // 2, y0, x0 - t // 2 + t - 1, y1), fill=fg)
                else:
                    draw.rectangle((x0, y0 - t // 2, x1, y0 - t // 2 + t - 1), fill=fg)
        return True
    cp = ord(ch)
    if 0x2580 <= cp <= 0x2590:
        if cp == 0x2580:  # upper half
            draw.rectangle((x, y, x + w - 1, y + h // 2 - 1), fill=fg)
        elif cp <= 0x2588:  # lower eighths .. full block
            eighths = cp - 0x2580
            top = y + h - (h * eighths) // 8
            draw.rectangle((x, top, x + w - 1, y + h - 1), fill=fg)
        elif cp <= 0x258F:  # left eighths, 7/8 down to 1/8
            eighths = 0x2590 - cp
            draw.rectangle((x, y, x + (w * eighths) // 8 - 1, y + h - 1), fill=fg)
        else:  # right half
            draw.rectangle((x + w // 2, y, x + w - 1, y + h - 1), fill=fg)
        return True
    if 0x2591 <= cp <= 0x2593:  # shades
        k = {0x2591: 0.25, 0x2592: 0.5, 0x2593: 0.75}[cp]
        mix = tuple(int(b + (f - b) * k) for f, b in zip(fg, bg))
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=mix)
        return True
    return False


def render(grid, fonts, margin):
    cols = len(grid[0]) if grid else 0
    cw, ch_ = fonts.cell_w, fonts.cell_h
    img = Image.new("RGB", (cols * cw + 2 * margin, len(grid) * ch_ + 2 * margin), DEFAULT_BG)
    draw = ImageDraw.Draw(img)
    # Backgrounds first, so that a glyph spilling out of its cell is not painted over.
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            _text, style, w = cell
            _fg, bg = resolve_colours(style)
            if bg != DEFAULT_BG:
                x, y = margin + c * cw, margin + r * ch_
                draw.rectangle((x, y, x + w * cw - 1, y + ch_ - 1), fill=bg)
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            text, style, w = cell
            fg, bg = resolve_colours(style)
            x, y = margin + c * cw, margin + r * ch_
            span = w * cw
            if not text.isspace() and not style.hidden:
                if len(text) == 1 and draw_special(draw, text, x, y, span, ch_, fg, bg):
                    pass
                else:
                    font, fallback = fonts.pick(text, style.bold, style.italic)
                    shown = "".join(t for t in text if not (0xFE00 <= ord(t) <= 0xFE0F))
                    shown = shown or text
                    if fallback:
                        font = fonts.fit(font, shown, span)
                        length = font.getlength(shown)
                        gx = x + max(0, (span - length) / 2)
                    else:
                        gx = x
                    draw.text((gx, y + fonts.ascent), shown, font=font, fill=fg, anchor="ls")
            if style.underline:
                uy = y + min(ch_ - 1, fonts.ascent + 2)
                draw.line((x, uy, x + span - 1, uy), fill=fg)
            if style.strike:
                sy = y + ch_ // 2
                draw.line((x, sy, x + span - 1, sy), fill=fg)
    return img


def main():
    ap = argparse.ArgumentParser(description="Render captured ANSI terminal text to a PNG.")
    ap.add_argument("input", help="ANSI text file, or - for stdin")
    ap.add_argument("output", help="PNG file to write")
    ap.add_argument("--cols", type=int, default=120)
    ap.add_argument("--rows", type=int, default=32)
    ap.add_argument("--font-size", type=int, default=16)
    ap.add_argument("--margin", type=int, default=8)
    args = ap.parse_args()
    if args.input == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(args.input, "rb") as f:
            data = f.read()
    text = data.decode("utf-8", errors="replace")
    grid = parse(text, args.cols, args.rows)
    img = render(grid, Fonts(args.font_size), args.margin)
    img.save(args.output, "PNG", optimize=True)


if __name__ == "__main__":
    main()
