"""make test's schedule (tests/conftest.py): the tables name files that exist, and the files kept
together share the fixture they are kept together for."""
from __future__ import annotations

from pathlib import Path

from tests import conftest

ROOT = Path(__file__).resolve().parents[1]


def test_every_file_named_by_the_schedule_exists():
    for nodeid in conftest.ALONE + conftest.LONG + tuple(conftest.TOGETHER):
        assert (ROOT / nodeid.split("::", 1)[0]).is_file(), nodeid


def test_files_kept_together_use_their_fixture():
    for path, fixture in conftest.TOGETHER.items():
        assert f"{fixture}" in (ROOT / path).read_text(), (path, fixture)


def test_a_group_is_one_work_unit_and_any_other_file_its_own():
    for group in set(conftest.TOGETHER.values()):
        scopes = {conftest.scope_of(f"{path}::test_x[1]") for path, g in conftest.TOGETHER.items() if g == group}
        assert scopes == {group}
    assert conftest.scope_of("tests/jobs/test_book.py::test_x") == "tests/jobs/test_book.py"
