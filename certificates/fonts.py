"""The certificate fonts: small faces built once from the system's CJK and Tibetan fonts.

Debian's Noto Serif CJK is a 26 MB collection of five regional faces; embedding from it
means reading and subsetting the whole collection in every PDF. `build_fonts` (run by
`manage.py build_certificate_fonts`, which `make install` calls) extracts the Simplified
Chinese face, keeps the characters certificates need (GB 2312: 6,763 hanzi with its
symbols, plus Latin and punctuation) and writes it to SNOWLAND_CERTIFICATE_FONT_DIR
(gitignored `var/fonts`), with the Tibetan font beside it. A name with a character
outside that set still renders: the CSS font stacks fall back to the full system font
for that character only (docs/decisions/0008-certificate-rendering.md).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

# Bump when the character set or the build changes: existing builds are then redone.
FONT_SET_VERSION = 2
MANIFEST = "manifest.json"

# The families the PDF stylesheets name (static/certificates/pdf/*.css). The built
# faces come first; the system families after them are the fallback for characters
# outside the subset, and the whole stack when the fonts have not been built.
SERIF_FAMILY = "Snowland Serif"
TIBETAN_FAMILY = "Snowland Tibetan"


@dataclass(frozen=True)
class FaceSpec:
    key: str  # file stem in the font directory
    family: str  # the CSS family it is registered as
    weight: int
    sources: tuple[str, ...]  # fontconfig patterns, first found wins
    subset: bool  # subset to the common characters (CJK) or copy as it is (Tibetan)


FACES = (
    FaceSpec(
        "snowland-serif-regular",
        SERIF_FAMILY,
        400,
        ("Noto Serif CJK SC:style=Regular", "Source Han Serif SC:style=Regular"),
        subset=True,
    ),
    # No bold face: every face costs each PDF its subsetting and embedding (about 8 ms,
    # most of a bare page), so emphasis is size and colour, and the seal's strokes.
    # Tibetan shaping needs the font's whole GSUB (stacks), and the font is small: copied.
    FaceSpec(
        "snowland-tibetan",
        TIBETAN_FAMILY,
        400,
        ("Tibetan Machine Uni", "Noto Serif Tibetan", "Noto Sans Tibetan", "Jomolhari"),
        subset=False,
    ),
)


class FontSourceMissing(Exception):
    pass


def font_dir() -> Path:
    return Path(settings.SNOWLAND_CERTIFICATE_FONT_DIR)


# --- the character set ------------------------------------------------------------------


def gb2312_characters() -> set[str]:
    """Every character of GB 2312 (6,763 hanzi and 682 symbols), from Python's codec."""
    characters = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                characters.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return characters


def common_characters() -> set[str]:
    """What the subset keeps: GB 2312, Latin, general and CJK punctuation, full-width
    forms, Roman numerals (Ⅰ类), circled numbers, check marks."""
    ranges = (
        (0x20, 0x7E),  # ASCII
        (0xA0, 0x17F),  # Latin-1 and Latin Extended-A (Pinyin with tone marks: ā é ǐ)
        (0x1CD, 0x1DC),  # Pinyin tone letters ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ
        (0x2000, 0x206F),  # general punctuation
        (0x2100, 0x218F),  # letter-like symbols, Roman numerals
        (0x2460, 0x24FF),  # circled numbers
        (0x2713, 0x2717),  # check and cross marks (transcripts)
        (0x3000, 0x303F),  # CJK symbols and punctuation
        (0xFF00, 0xFFEF),  # full-width forms
    )
    characters = gb2312_characters()
    for first, last in ranges:
        characters.update(chr(code) for code in range(first, last + 1))
    return characters


# --- finding and building ---------------------------------------------------------------


def find_source(pattern: str) -> tuple[Path, int] | None:
    """(file, face index) that fontconfig has for the pattern, if it really is that family."""
    try:
        result = subprocess.run(  # noqa: S603 (fixed program, no shell)
            ["fc-match", "-f", "%{file}\t%{index}\t%{family}\t%{style}", pattern],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    parts = result.stdout.split("\t")
    if len(parts) < 4:
        return None
    path, index, families, styles = parts[:4]
    family, _, style = pattern.partition(":style=")
    if family not in families.split(","):
        return None  # fontconfig's fallback for a family it does not have
    if style and style not in styles.split(","):
        return None
    return Path(path), int(index or 0)


def _source_for(spec: FaceSpec) -> tuple[Path, int]:
    overrides = getattr(settings, "SNOWLAND_CERTIFICATE_FONT_SOURCES", {}) or {}
    if spec.key in overrides:
        path, _, index = str(overrides[spec.key]).partition("#")
        return Path(path), int(index or 0)
    for pattern in spec.sources:
        found = find_source(pattern)
        if found is not None:
            return found
    raise FontSourceMissing(
        f"No font for {spec.key}: install one of {', '.join(spec.sources)} "
        "(Debian: apt-get install fonts-noto-cjk fonts-tibetan-machine), "
        "or name a file in SNOWLAND_CERTIFICATE_FONT_SOURCES."
    )


def _signature(path: Path, index: int) -> dict:
    stat = path.stat()
    return {"source": str(path), "index": index, "size": stat.st_size, "mtime": int(stat.st_mtime)}


def _write_atomically(target: Path, write) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _to_truetype(font) -> None:
    """Replace CFF outlines by TrueType (quadratic) ones, within 1/1000 em.

    WeasyPrint subsets each font for each PDF (HarfBuzz); a glyf font subsets several
    times faster than a CFF one and gives a smaller embedded file, because the glyph
    slots it keeps empty cost a few bytes instead of a CFF index entry each.
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    font["maxp"] = maxp
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    font.sfntVersion = "\x00\x01\x00\x00"


def _subset_face(source: str, index: int, target: str, characters: str) -> None:
    """One face of a collection, reduced to `characters` and converted to TrueType
    outlines (runs in a worker process)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # one line per table otherwise
    font = TTFont(source, fontNumber=index, recalcBBoxes=False, recalcTimestamp=False)
    options = subset.Options()
    options.hinting = False  # WeasyPrint drops hinting when embedding anyway
    options.name_IDs = ["*"]  # keep the names and the licence (OFL) text
    options.name_languages = ["*"]
    options.notdef_outline = True
    # fontTools' default features (ccmp, locl, kern, vert…); "*" would also keep the
    # Japanese and traditional variants of every glyph, doubling the file and the time.
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(character) for character in characters])
    subsetter.subset(font)
    if "CFF " in font:
        _to_truetype(font)
        font.recalcBBoxes = True  # glyf bounds are cheap to compute, and needed
    _write_atomically(Path(target), lambda path: font.save(str(path)))


def read_manifest(directory: Path | None = None) -> dict:
    path = (directory or font_dir()) / MANIFEST
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _up_to_date(manifest: dict, spec: FaceSpec, signature: dict, directory: Path) -> bool:
    entry = manifest.get("faces", {}).get(spec.key)
    return (
        manifest.get("version") == FONT_SET_VERSION
        and entry is not None
        and entry.get("signature") == signature
        and (directory / entry.get("file", "")).is_file()
    )


def build_fonts(
    *,
    directory: Path | None = None,
    force: bool = False,
    characters: set[str] | None = None,
    log=logger.info,
) -> list[str]:
    """Build the faces that are missing or stale; returns the keys built (idempotent)."""
    directory = directory or font_dir()
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {} if force else read_manifest(directory)
    text = "".join(sorted(characters if characters is not None else common_characters()))
    text_digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    faces: dict[str, dict] = {}
    built: list[str] = []
    to_subset: list[tuple[FaceSpec, Path, int, Path]] = []
    for spec in FACES:
        source, index = _source_for(spec)
        signature = _signature(source, index)
        if spec.subset:
            signature["characters"] = text_digest
        suffix = ".ttf" if spec.subset else source.suffix.lower()
        target = directory / f"{spec.key}{suffix}"
        faces[spec.key] = {
            "file": target.name,
            "family": spec.family,
            "weight": spec.weight,
            "signature": signature,
        }
        if _up_to_date(manifest, spec, signature, directory):
            continue
        built.append(spec.key)
        if spec.subset:
            to_subset.append((spec, source, index, target))
        else:
            log(f"Copying {source} to {target}")
            _write_atomically(target, lambda path, source=source: shutil.copyfile(source, path))
    if to_subset:
        for spec, source, _index, _target in to_subset:
            log(f"Subsetting {source} for {spec.key} ({len(text)} characters)…")
        # The faces are independent and fontTools is single-threaded: one process each.
        with ProcessPoolExecutor(max_workers=min(len(to_subset), os.cpu_count() or 1)) as pool:
            futures = [
                pool.submit(_subset_face, str(source), index, str(target), text)
                for _spec, source, index, target in to_subset
            ]
            for future in futures:
                future.result()
    new_manifest = {"version": FONT_SET_VERSION, "faces": faces}
    _write_atomically(
        directory / MANIFEST,
        lambda path: path.write_text(json.dumps(new_manifest, indent=2, sort_keys=True)),
    )
    current = {entry["file"] for entry in faces.values()}
    for stale in directory.glob("snowland-*.*"):
        if stale.name not in current:
            stale.unlink()  # a face of an earlier build (another format or set)
    return built


@dataclass(frozen=True)
class BuiltFace:
    family: str
    weight: int
    path: Path


def built_faces(directory: Path | None = None) -> list[BuiltFace]:
    """The faces of the last build that are present on disk (empty when never built)."""
    directory = directory or font_dir()
    manifest = read_manifest(directory)
    if manifest.get("version") != FONT_SET_VERSION:
        return []
    faces = []
    for entry in manifest.get("faces", {}).values():
        path = directory / entry.get("file", "")
        if path.is_file():
            faces.append(BuiltFace(family=entry["family"], weight=entry["weight"], path=path))
    return faces
