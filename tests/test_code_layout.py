"""The code's layout, read with `ast` (nothing is imported or run):

- no test module imports another test module (`test_*`) or a `conftest`: shared fixtures live in the
  conftest.py of the narrowest folder that covers their users, shared builders in helper modules
  (tests/factories.py, tests/<app>/builders.py, tests/double_submit.py, tests/shared.py);
- the apps are layered one way, `delegations` ← `plans` ← `sessions` ← `petitions`: an app imports
  none of the apps to its right (README, "Architecture in a few lines")."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["delegations", "plans", "sessions", "petitions"]

# Imports against the layering found when this test was written, (app, imported module) → where.
# None may be added; one that is gone must be struck off (the test says so).


def imports_in(path):
    """[(line, statement, module, candidates)] for every import statement in the file at `path`, at
    any depth (in functions too). `module` is the imported module, relative imports resolved against
    the file's package; `candidates` are the modules the statement may load: for `from a import b`,
    both "a" and "a.b" (b may be a submodule)."""
    source = path.read_text(encoding="utf-8")
    package = ".".join(path.relative_to(ROOT).parent.parts)
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        statement = " ".join(" ".join(lines[node.lineno - 1:node.end_lineno]).split())
        if isinstance(node, ast.Import):
            found += [(node.lineno, statement, alias.name, [alias.name]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                module = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                module = node.module
            found.append((node.lineno, statement, module,
                          [module] + [f"{module}.{alias.name}" for alias in node.names]))
    return found


def is_test_module_or_conftest(module):
    """True for a module of the project's tests that is a test module or a conftest: its last part
    is `test_*` or `conftest`, under tests/ (or a bare name, which a rootdir on sys.path would load)."""
    parts = module.split(".")
    return (parts[-1].startswith("test_") or parts[-1] == "conftest") and (len(parts) == 1 or parts[0] == "tests")


def imports_of_test_modules(paths):
    """["tests/x.py:12: from tests.y.test_z import f", …]: each import of a test module or conftest."""
    return [f"{path.relative_to(ROOT)}:{line}: {statement}"
            for path in paths
            for line, statement, _module, candidates in imports_in(path)
            if any(is_test_module_or_conftest(candidate) for candidate in candidates)]


def test_no_test_module_imports_another_test_module_or_a_conftest():
    paths = sorted((ROOT / "tests").rglob("*.py"))
    assert len(paths) > 100  # the whole tests/ tree was read
    offences = imports_of_test_modules(paths)
    assert not offences, (
        "A test module or helper imports a test module or a conftest: move shared fixtures to the "
        "narrowest conftest.py and shared builders to a helper module (tests/<app>/builders.py):\n"
        + "\n".join(offences))


def test_the_test_layout_check_names_each_offending_file_and_import(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    folder = tmp_path / "tests" / "plans"
    folder.mkdir(parents=True)
    sneaky = folder / "test_sneaky.py"
    sneaky.write_text(
        "import tests.sessions.test_sessions\n"
        "from tests.petitions.test_views import make\n"
        "from tests.conftest import world\n"
        "from . import test_services\n"
        "from .test_views import new_plan_data\n"
        "from tests.petitions import conftest\n"
        "from ..petitions import builders\n"
        "from tests.plans.builders import make_plan\n"
        "from tests import factories\n"
        "from django.test import TestCase\n"
        "import pytest\n"
        "\n"
        "\n"
        "def test_x():\n"
        "    from tests.sessions.test_sessions import (\n"
        "        form_data,\n"
        "    )\n")
    assert imports_of_test_modules([sneaky]) == [
        "tests/plans/test_sneaky.py:1: import tests.sessions.test_sessions",
        "tests/plans/test_sneaky.py:2: from tests.petitions.test_views import make",
        "tests/plans/test_sneaky.py:3: from tests.conftest import world",
        "tests/plans/test_sneaky.py:4: from . import test_services",
        "tests/plans/test_sneaky.py:5: from .test_views import new_plan_data",
        "tests/plans/test_sneaky.py:6: from tests.petitions import conftest",
        "tests/plans/test_sneaky.py:15: from tests.sessions.test_sessions import ( form_data, )",
    ]


def imports_against_the_layers():
    """{(app, imported module): ["plans/x.py:12: from sessions.models import …", …]}: each import by
    an app of an app to its right."""
    found = {}
    for index, app in enumerate(LAYERS):
        to_the_right = set(LAYERS[index + 1:])
        for path in sorted((ROOT / app).rglob("*.py")):
            for line, statement, module, _candidates in imports_in(path):
                if module.split(".")[0] in to_the_right:
                    found.setdefault((app, module), []).append(f"{path.relative_to(ROOT)}:{line}: {statement}")
    return found


def test_each_app_imports_none_of_the_apps_to_its_right():
    assert all(any((ROOT / app).rglob("*.py")) for app in LAYERS)
    found = [entry for where in imports_against_the_layers().values() for entry in where]
    assert not found, "An app imports an app to its right (delegations ← plans ← sessions ← petitions):\n" + "\n".join(found)


def test_the_layering_check_finds_an_import_to_the_right(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    for app, source in {"delegations": "from petitions.models import Petition\nfrom . import text\n",
                        "plans": "import delegations.models\n\n\ndef f():\n    import sessions.services\n",
                        "sessions": "from plans import services\n",
                        "petitions": "from sessions.models import ContactSession\n"}.items():
        (tmp_path / app / "views").mkdir(parents=True)
        (tmp_path / app / "views" / "pages.py").write_text(source)
    assert imports_against_the_layers() == {
        ("delegations", "petitions.models"): ["delegations/views/pages.py:1: from petitions.models import Petition"],
        ("plans", "sessions.services"): ["plans/views/pages.py:5: import sessions.services"],
    }
