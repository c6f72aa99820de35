"""Settings for the HTTP benchmarks: the production settings plus the two floor views.

Everything else (middleware, database pool, cache, DEBUG off) is what `web` runs with, so a
floor and an endpoint differ only in what the view does.
"""

from csportal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"

# `web` serves what the `migrate` service collected; the benchmark collects its own copy
# here (tickets_load.py runs collectstatic) instead of touching var/static.
STATIC_ROOT = BASE_DIR / "var" / "bench-static"  # noqa: F405
