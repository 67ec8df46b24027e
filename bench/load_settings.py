"""The production settings of the load bench (bench/load_bench.py), unchanged except for
the URLconf, which adds the bare endpoint the typical one is compared with. Everything
else (HTTPS cookies relaxed for loopback HTTP, hosts, secret) comes from the environment,
as in production."""

from config.settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
