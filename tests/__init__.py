import pytest

# Helper modules that assert, imported by the tests: pytest rewrites their asserts as it does the tests'
# (so a failure shows the values), if told before they are first imported.
pytest.register_assert_rewrite("tests.double_submit")
