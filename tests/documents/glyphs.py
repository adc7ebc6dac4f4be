"""Helpers to read rendered PDFs back: text layer, embedded fonts and pixels.

"Tofu" (missing-glyph boxes) shows up in three independent ways, all checked:

1. WeasyPrint logs ``.notdef glyph rendered`` for every character no font covers;
2. a ``.notdef`` glyph has no text mapping, so the character is missing from
   the PDF's text layer, and ``pdffonts`` lists which fonts were embedded;
3. on the rasterised page every missing character is the *same* box, whereas
   real glyphs of different characters have different shapes. We crop each
   character's cell from a ``pdftoppm -r 100`` PNG, binarise it, scale its ink
   to a 32x32 grid, and require ink in every cell and clearly different shapes
   (>= 8% of grid pixels) for different characters. The check is deterministic
   (same fonts, same rasteriser, no timing) and is itself tested against real
   missing-glyph boxes in tests/documents/test_pdf.py.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import pdfplumber
from PIL import Image

DPI = 100
# Faces with real CJK glyphs: Noto Sans/Serif CJK and the cut-down PDF Common Sans made from it.
CJK_FACES = ("CJK", "PDF-Common-Sans")
MIN_INK = 0.03  # share of dark pixels in a glyph cell; an empty cell has 0


def pdf_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def pdf_text_compact(pdf: bytes) -> str:
    """The text layer without whitespace (line breaks inside long strings disappear)."""
    return "".join(pdf_text(pdf).split())


def embedded_fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded?) for each font, from ``pdffonts``."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        out = subprocess.run(["pdffonts", f.name], capture_output=True, text=True, check=True).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name ... emb sub uni object ID: "emb" is the 5th column from the end.
        fonts.append((parts[0], parts[-5] == "yes"))
    return fonts


def rasterise(pdf: bytes, dpi: int = DPI) -> Image.Image:
    """Page 1 as a greyscale image, via ``pdftoppm -r <dpi> -png``."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", str(src), str(Path(tmp) / "out")],
            check=True,
        )
        return Image.open(Path(tmp) / "out.png").convert("L").copy()


GLYPH_GRID = 32  # glyph shapes are compared on a normalised 32x32 grid
SAME_SHAPE = 0.08  # below this share of differing grid pixels two glyphs are "the same box"


def cell_bitmap(image: Image.Image, box_pt: tuple[float, float, float, float], dpi: int = DPI) -> bytes:
    """Crop a (x0, top, x1, bottom) box given in PDF points, binarise (dark = 1), and
    normalise the ink's bounding box to a GLYPH_GRID square, so that the same shape at
    a different sub-pixel position compares equal. An empty cell gives all zeros."""
    scale = dpi / 72
    x0, top, x1, bottom = (round(v * scale) for v in box_pt)
    cell = image.crop((x0, top, x1, bottom)).point(lambda p: 255 if p < 128 else 0)
    bbox = cell.getbbox()
    if bbox is None:
        return bytes(GLYPH_GRID * GLYPH_GRID)
    grid = cell.crop(bbox).resize((GLYPH_GRID, GLYPH_GRID), Image.Resampling.BOX)
    return bytes(1 if p >= 128 else 0 for p in grid.tobytes())


def ink(bitmap: bytes) -> float:
    return sum(bitmap) / max(len(bitmap), 1)


def shape_distance(a: bytes, b: bytes) -> float:
    """Share of grid pixels that differ between two normalised glyph bitmaps."""
    return sum(x != y for x, y in zip(a, b, strict=True)) / len(a)


def tofu_problems_in_cells(image: Image.Image, cells: list[tuple[str, tuple[float, float, float, float]]]) -> list[str]:
    """Problems found in character cells: empty cells, or different characters drawn as the same shape."""
    problems = []
    bitmaps = [(char, cell_bitmap(image, box)) for char, box in cells]
    for char, bitmap in bitmaps:
        if ink(bitmap) < MIN_INK:
            problems.append(f"no ink for {char!r}")
    for i, (a, bitmap_a) in enumerate(bitmaps):
        for b, bitmap_b in bitmaps[i + 1 :]:
            if a != b and shape_distance(bitmap_a, bitmap_b) < SAME_SHAPE:
                problems.append(f"{a!r} and {b!r} are drawn as the same shape (missing-glyph box)")
    return problems


def char_cells(pdf: bytes, text: str) -> list[tuple[str, str, tuple[float, float, float, float]]]:
    """(char, font name, box) of the first occurrence of ``text`` on page 1's text layer."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = doc.pages[0].chars
    stream = "".join(c["text"] for c in chars)
    start = stream.find(text)
    if start < 0:
        return []
    return [
        (c["text"], c["fontname"], (c["x0"], c["top"], c["x1"], c["bottom"])) for c in chars[start : start + len(text)]
    ]


def tofu_problems(pdf: bytes, text: str) -> list[str]:
    """Everything that suggests ``text`` is not drawn with real CJK glyphs on page 1."""
    cells = char_cells(pdf, text)
    if not cells:
        return [f"{text!r} is not in the text layer"]
    problems = [f"{char!r} drawn with {font}" for char, font, _ in cells if not any(f in font for f in CJK_FACES)]
    image = rasterise(pdf)
    problems += tofu_problems_in_cells(image, [(char, box) for char, _, box in cells])
    return problems


def embedded_glyphs(pdf: bytes, text: str) -> dict[str, tuple[str, bool]]:
    """For each character of ``text``: (the embedded face whose cmap maps it to a glyph other
    than .notdef, whether that glyph has an outline). A character no embedded face maps is
    absent from the answer: it was printed as a missing-glyph box, or not at all."""
    import io

    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    found: dict[str, tuple[str, bool]] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            stream = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            face = TTFont(io.BytesIO(stream.get_object().get_data()))
            cmap, glyphs = face.getBestCmap() or {}, face.getGlyphSet()
            for char in text:
                name = cmap.get(ord(char))
                if name is None or name == ".notdef" or char in found:
                    continue
                pen = BoundsPen(glyphs)
                glyphs[name].draw(pen)
                found[char] = (str(font["/BaseFont"]).split("+")[-1], pen.bounds is not None)
    return found
