from unittest import mock

from django.conf import settings
from django.utils import translation

from csportal.templatetags import shell_tags


def test_the_language_options_list_every_language_with_the_current_one_selected():
    with translation.override("ko"):
        options = shell_tags.language_options()

    for code, _name in settings.LANGUAGES:
        assert f'value="{code}" lang="{code}"' in options
    assert 'value="ko" lang="ko" selected' in options
    assert options.count("selected") == 1


def test_the_language_options_are_rendered_once_per_language():
    shell_tags._language_options.cache_clear()
    with mock.patch.object(
        shell_tags, "render_to_string", wraps=shell_tags.render_to_string
    ) as render:
        english = [shell_tags.language_options() for _ in range(3)]
        with translation.override("ko"):
            korean = shell_tags.language_options()

    assert render.call_count == 2
    assert english[0] == english[2] != korean
