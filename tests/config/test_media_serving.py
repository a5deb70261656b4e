"""The one-machine stack (SNOWLAND_SERVE_MEDIA, no web server in front) serves uploaded
images itself, and nothing else from the media folder: documents go through Wagtail's
view, which checks their collection's privacy."""

import importlib

import pytest
from django.urls import clear_url_caches

import config.urls

pytestmark = pytest.mark.django_db


@pytest.fixture
def serving_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    for name, content in {
        "images/cover.fill-480x270.png": b"\x89PNG image",
        "original_images/cover.png": b"\x89PNG original",
        "documents/private-minutes.pdf": b"%PDF private",
    }.items():
        path = settings.MEDIA_ROOT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    settings.SNOWLAND_SERVE_MEDIA = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.SNOWLAND_SERVE_MEDIA = False
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.usefixtures("serving_media")
def test_images_are_served(client, home):
    response = client.get("/media/images/cover.fill-480x270.png")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG image"
    assert client.get("/media/original_images/cover.png").status_code == 200


@pytest.mark.usefixtures("serving_media")
@pytest.mark.parametrize(
    "path",
    [
        "/media/documents/private-minutes.pdf",
        "/media/images/../documents/private-minutes.pdf",
        "/media/images/%2e%2e/documents/private-minutes.pdf",
    ],
)
def test_documents_are_not(client, home, path):
    assert client.get(path).status_code in (400, 404)


def test_without_the_setting_nothing_is_served(client, home, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "cover.png").write_bytes(b"\x89PNG")
    assert client.get("/media/images/cover.png").status_code == 404
