"""WeasyPrint, fenced in: a URL fetcher that reads only allowed local files, fonts set up
once per process, PDF/A-3b output with metadata and attachments.

Nothing here knows about certificates; `certificates.rendering` builds the HTML.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from certificates.fonts import BuiltFace, built_faces

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/a-3b"


class ResourceRefused(ValueError):
    """A document asked for something outside the allowed files (WeasyPrint skips it)."""


def static_roots() -> list[Path]:
    """The project's own static files: the source directories and the collected ones."""
    from django.contrib.staticfiles.finders import get_finders

    roots = [Path(settings.STATIC_ROOT)] if settings.STATIC_ROOT else []
    for finder in get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location))
    return roots


class RestrictedURLFetcher(URLFetcher):
    """Reads `file:` URLs under the allowed directories or naming an allowed file, and
    inline `data:` URLs; refuses everything else (network, other files) before any I/O.

    WeasyPrint treats a refusal like a missing image: logged and left out, so a
    document still renders without it. `refused` lists what was refused.
    """

    def __init__(self, *, roots: Iterable[Path] = (), files: Iterable[Path] = ()):
        super().__init__(timeout=5, allowed_protocols=("data",), allow_redirects=False)
        self.roots = [Path(root).resolve() for root in roots]
        self.files = {Path(path).resolve() for path in files}
        self.refused: list[str] = []

    def allows_path(self, path: Path) -> bool:
        resolved = path.resolve()
        return resolved in self.files or any(resolved.is_relative_to(root) for root in self.roots)

    def fetch(self, url, headers=None):
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
        if scheme == "file":
            parts = urlsplit(url)
            if parts.netloc in ("", "localhost"):
                path = Path(unquote(parts.path))
                if path.is_absolute() and self.allows_path(path) and path.is_file():
                    content_type = mimetypes.guess_type(path.name)[0]
                    return URLFetcherResponse(
                        url,
                        body=path.read_bytes(),
                        headers={"Content-Type": content_type or "application/octet-stream"},
                    )
        self.refused.append(url)
        logger.warning("A PDF asked for %s, which is not an allowed resource: refused", url[:200])
        raise ResourceRefused(f"Not an allowed resource: {url[:200]}")


# --- fonts, set up once per process ----------------------------------------------------


@dataclass
class _FontSetup:
    key: tuple
    config: FontConfiguration
    stylesheet: CSS


_font_setup: _FontSetup | None = None
# WeasyPrint shares Pango's font map through the FontConfiguration: one render at a time
# per process (a Celery worker process renders one document at a time anyway).
_render_lock = threading.Lock()
_warned_no_fonts = False


def _font_face_css(faces: list[BuiltFace]) -> str:
    rules = []
    for face in faces:
        rules.append(
            "@font-face { "
            f'font-family: "{face.family}"; font-weight: {face.weight}; font-style: normal; '
            f'src: url("{face.path.as_uri()}"); '
            "}"
        )
    return "\n".join(rules)


_stylesheets: dict[tuple, CSS] = {}


def _stylesheet(path: Path, config: FontConfiguration) -> CSS:
    """A static stylesheet parsed once per process (again when the file changes)."""
    key = (path, path.stat().st_mtime_ns, id(config))
    stylesheet = _stylesheets.get(key)
    if stylesheet is None:
        fetcher = RestrictedURLFetcher(roots=static_roots())
        stylesheet = CSS(filename=str(path), font_config=config, url_fetcher=fetcher)
        _stylesheets.clear()
        _stylesheets[key] = stylesheet
    return stylesheet


def _fonts() -> _FontSetup:
    """The @font-face rules of the built fonts, parsed once per process and font build.

    Parsing them loads the fonts into a FontConfiguration that every later document
    reuses, so Pango's font map (and its caches) outlive a single render.
    """
    global _font_setup, _warned_no_fonts
    faces = built_faces()
    key = tuple((face.path, face.path.stat().st_mtime_ns) for face in faces)
    if _font_setup is not None and _font_setup.key == key:
        return _font_setup
    if not faces and not _warned_no_fonts:
        _warned_no_fonts = True
        logger.warning(
            "The certificate fonts are not built: PDFs use the full system fonts, which is "
            "slower. Run `python manage.py build_certificate_fonts` (make install does)."
        )
    config = FontConfiguration()
    fetcher = RestrictedURLFetcher(files=[face.path for face in faces])
    stylesheet = CSS(string=_font_face_css(faces), font_config=config, url_fetcher=fetcher)
    _font_setup = _FontSetup(key=key, config=config, stylesheet=stylesheet)
    return _font_setup


# --- the document ----------------------------------------------------------------------


@dataclass(frozen=True)
class PdfAttachment:
    name: str
    content: bytes
    description: str = ""
    relationship: str = "Data"  # PDF/A-3: the data the page presents


@dataclass(frozen=True)
class PdfMetadata:
    title: str
    author: str
    subject: str
    keywords: list[str] = field(default_factory=list)
    # Fixed dates (not "now") keep a re-rendering byte-identical.
    created: dt.datetime | None = None
    lang: str = "zh-Hans"


def _w3c(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def html_to_pdf(
    *,
    html: str,
    metadata: PdfMetadata,
    fetcher: RestrictedURLFetcher,
    attachments: Iterable[PdfAttachment] = (),
    stylesheet: Path | None = None,
) -> bytes:
    """A PDF/A-3b of the HTML, with the metadata and attachments given; `stylesheet`
    is a static file applied to it (parsed once per process).

    Deterministic: the same HTML, metadata and attachments give the same bytes (the
    file identifier is a hash of the content, the dates are the ones given).
    """
    created = metadata.created or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    pdf_attachments = [
        Attachment(
            string=attachment.content,
            name=attachment.name,
            description=attachment.description or None,
            created=created.astimezone(dt.UTC),
            modified=created.astimezone(dt.UTC),
            relationship=attachment.relationship,
            url_fetcher=fetcher,
        )
        for attachment in attachments
    ]
    options = {"pdf_variant": PDF_VARIANT, "attachments": pdf_attachments}
    with _render_lock:
        fonts = _fonts()
        stylesheets = [fonts.stylesheet]
        if stylesheet is not None:
            stylesheets.append(_stylesheet(stylesheet, fonts.config))
        # The base URL is never used for a fetch: every URL the templates write is absolute.
        document = HTML(string=html, base_url="file:///nonexistent/", url_fetcher=fetcher).render(
            font_config=fonts.config, stylesheets=stylesheets, **options
        )
        document.metadata.title = metadata.title
        document.metadata.authors = [metadata.author] if metadata.author else []
        document.metadata.description = metadata.subject
        document.metadata.keywords = list(metadata.keywords)
        document.metadata.created = document.metadata.modified = _w3c(created)
        document.metadata.lang = metadata.lang
        return document.write_pdf(**options)
