import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Pictures go to the test's own directory, through the same storage API."""
    settings.MEDIA_ROOT = tmp_path
