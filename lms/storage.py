"""Private file storage: files that must never be publicly addressable.

Evidence that learners upload (certificates, attendance records) holds personal data,
so it lives outside MEDIA_ROOT, under SNOWLAND_PRIVATE_MEDIA_ROOT, which no web server
serves. Files have no URL; they are only ever sent by a view that checks access.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateMediaStorage(FileSystemStorage):
    """A file-system storage rooted at SNOWLAND_PRIVATE_MEDIA_ROOT, read on each use
    (so tests can point it at a temporary directory), with no public URL."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return settings.SNOWLAND_PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a view that checks access.")


def _private_media_storage():
    """The file system, or S3-compatible object storage (private, shared by every web
    and worker machine) when production settings give SNOWLAND_PRIVATE_MEDIA_S3."""
    options = getattr(settings, "SNOWLAND_PRIVATE_MEDIA_S3", None)
    if not options:
        return PrivateMediaStorage()
    from storages.backends.s3 import S3Storage

    class PrivateS3Storage(S3Storage):
        def url(self, name, parameters=None, expire=None, http_method=None):
            raise ValueError("Private files have no URL; serve them through a view.")

        def deconstruct(self):
            # Migrations name the storage as before, never its options or credentials.
            return ("lms.storage.PrivateMediaStorage", (), {})

    return PrivateS3Storage(**options)


private_media_storage = _private_media_storage()
