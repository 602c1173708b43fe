"""Settings: sections, one parse per environment, and the table of every variable in docs/settings.md."""
from __future__ import annotations

import dataclasses
import importlib
import json
import re
import subprocess
import sys

import pytest

from chalicelib import settings, settings_table

ROOT = settings.ROOT
HEAVY = ("numpy", "onnxruntime", "cv2", "faster_whisper", "ctranslate2", "piper", "tensorflow", "torch")


def test_every_field_has_one_section_and_is_read_from_it_only():
    fields = [f.name for cls in settings.SECTIONS.values() for f in dataclasses.fields(cls)]
    assert len(fields) == len(set(fields))  # a name is in one section only
    s = settings.get()
    assert s.limits.max_page_words == 5000 and s.auth.jwt_audience == "pagevoice-api"
    with pytest.raises(AttributeError):
        s.max_page_words  # noqa: B018  a flat name would hide which section a setting is in


def test_a_second_get_does_not_parse_again_and_a_changed_variable_is_seen(monkeypatch):
    first = settings.get()
    misses = settings._parse.cache_info().misses
    assert settings.get() is first
    assert settings._parse.cache_info().misses == misses  # no parse: the same environment
    monkeypatch.setenv("PAGEVOICE_MAX_PAGE_WORDS", "7")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    changed = settings.get()
    assert changed.limits.max_page_words == 7 and changed.aws.region == "eu-west-3"
    assert settings._parse.cache_info().misses == misses + 1
    monkeypatch.delenv("PAGEVOICE_MAX_PAGE_WORDS")
    monkeypatch.delenv("AWS_REGION")
    assert settings.get() is first  # the earlier environment again: still parsed
    assert settings.reload() is not first and settings.reload() == first


def test_the_explicit_names_and_caps_still_apply(monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    monkeypatch.setenv("PAGEVOICE_UPLOAD_URL_TTL_SECONDS", "99999")
    monkeypatch.setenv("PAGEVOICE_JOURNAL_FSYNC", "1")
    s = settings.get()
    assert s.aws.region == "ap-south-1" and s.limits.upload_url_ttl_seconds == 600 and s.local.journal_fsync is True
    monkeypatch.setenv("PAGEVOICE_MAX_PIXELS", "lots")
    with pytest.raises(ValueError, match="PAGEVOICE_MAX_PIXELS='lots' is not a number"):
        settings.get()


def test_docs_settings_holds_the_generated_table():
    table = settings_table.doc_table(settings_table.DOC.read_text())
    assert table is not None, f"docs/settings.md lost its {settings_table.TABLE_BEGIN} / {settings_table.TABLE_END} markers"
    assert table == settings_table.markdown(), f"docs/settings.md's table is out of date: run `{settings_table.REGENERATE}`"


def _table_rows() -> dict[str, list[tuple[str, str, str]]]:
    """section -> (variable, default, meaning) rows, parsed back out of the generated table."""
    out: dict[str, list] = {}
    for line in settings_table.markdown().splitlines()[2:]:
        group, variable, default, meaning = (c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1])
        out.setdefault(group, []).append((variable, default, meaning))
    return out


def test_the_table_agrees_with_what_is_read():
    """The table is read from the source; the loader from the classes: both say the same."""
    rows = _table_rows()
    configs = [(name, cls, settings.PREFIX) for name, cls in settings.SECTIONS.items()]
    for group, _, cls_name, prefix in settings_table.engine_configs():
        engine_module = importlib.import_module(_module_of(group))
        configs.append((group, getattr(engine_module, cls_name), prefix))
    for group, cls, prefix in configs:
        fields = dataclasses.fields(cls)
        assert [r[0] for r in rows[group]] == [", ".join(f"`{n}`" for n in settings.names_of(f, prefix)) for f in fields]
        for f, (_, default, meaning) in zip(fields, rows[group]):
            assert meaning, f"{group} {f.name} has no comment to say what it means"
            # An engine's computed default (a path from its module) is shown as its expression.
            if group in settings.SECTIONS or isinstance(f.default, bool | int | float | tuple):
                assert default == settings_table.shown(f.default), (group, f.name)
    assert {"asr: whisper", "asr: whisper-tiny", "digits: cnn", "ocr: rapidocr", "ocr: keras-ocr",
            "tts: piper", "tts: gtts"} <= set(rows)


def _module_of(group: str) -> str:
    task, engine = group.split(": ")
    return importlib.import_module(f"chalicelib.engines.{task}").ENGINES[engine].split(":")[0]


def test_every_variable_the_code_and_deployments_name_is_in_the_table():
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", settings_table.markdown()))
    # Not settings: the site's JS global, the credentials the local stack hands its own workers,
    # the example in settings.py's docstring, and the site tests' switch for their screenshots
    # (tests/site/conftest.py).
    others = {"PAGEVOICE_CONFIG", "PAGEVOICE_LOCAL_WORKER_ACCESS_KEY_ID",
              "PAGEVOICE_LOCAL_WORKER_SECRET_ACCESS_KEY", "PAGEVOICE_FOO_BAR", "PAGEVOICE_SCREENSHOTS"}
    sources = [*ROOT.glob("chalicelib/**/*.py"), *ROOT.glob("infra/**/*.py"), *ROOT.glob("bench/*.py"),
               *ROOT.glob("docs/**/*.md"), ROOT / "infra" / "Dockerfile", ROOT / "Makefile", ROOT / "app.py"]
    named = {name for path in sources if "build" not in path.parts
             for name in re.findall(r"\bPAGEVOICE_[A-Z0-9_]*[A-Z0-9]\b", path.read_text())}
    stage = json.loads((ROOT / ".chalice" / "config.json").read_text())
    named |= {k for st in stage.get("stages", {}).values() for k in st.get("environment_variables", {})}
    assert named - others - documented == set()
    assert {"PAGEVOICE_BUCKET", "PAGEVOICE_JWT_SECRET_PARAM", "PAGEVOICE_OCR_THREADS", "AWS_REGION"} <= documented


def test_the_generator_reads_the_engines_without_importing_them():
    code = ("import sys; from chalicelib import settings_table; settings_table.main(['--markdown']); "
            f"print(sorted(m for m in sys.modules if m in {HEAVY!r} or m.startswith('chalicelib.engines')), "
            "file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == settings_table.markdown() and run.stderr.strip() == "[]"
