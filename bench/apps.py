from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Installed by the bench settings only (config/settings/bench.py), so its commands exist nowhere else."""

    name = "bench"
    verbose_name = "Benchmark"
