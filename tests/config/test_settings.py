import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from delegations.models import Council

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="a-real-secret-key-of-sufficient-length-and-variety-0123456789-XYZ",
        DJANGO_ALLOWED_HOSTS="hdnd.example.vn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_embedded_default_runs_every_command_without_a_warning(tmp_path):
    """`make run` on SQLite: the model checks that depend on the database (a covering index's
    INCLUDE columns, which SQLite ignores) print nothing before each command."""
    result = run_manage("check", "--database", "default", "--fail-level", "WARNING",
                        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="config.settings.production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_demo_loader_refuses_under_production_settings():
    result = run_manage(
        "load_demo",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="a-real-secret-key-of-sufficient-length-and-variety-0123456789-XYZ",
        DJANGO_ALLOWED_HOSTS="hdnd.example.vn",
        DATABASE_URL="sqlite:////nonexistent/never-written.sqlite3",
    )
    assert result.returncode != 0
    assert "refused" in result.stderr


@pytest.mark.django_db
def test_demo_loader_is_idempotent(settings):
    call_command("load_demo")
    counts = {model: model.objects.count() for model in apps.get_app_config("delegations").get_models()}
    call_command("load_demo")
    assert {model: model.objects.count() for model in counts} == counts
    assert Council.objects.filter(name="HĐND tỉnh Bắc Ninh").exists()
    assert counts[Council] == 4


@pytest.mark.django_db
def test_demo_loader_honours_the_setting(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not Council.objects.exists()
