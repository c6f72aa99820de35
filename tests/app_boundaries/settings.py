"""The test settings with the apps above CSPORTAL_APPS_UP_TO left out (test_app_boundaries)."""

import os

from csportal.test_settings import *  # noqa: F403
from tests.app_boundaries import above

INSTALLED_APPS = [
    app
    for app in INSTALLED_APPS  # noqa: F405
    if app not in above(os.environ["CSPORTAL_APPS_UP_TO"])
]
