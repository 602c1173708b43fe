"""Shared fixtures. Unit tests run against moto in-process; the stack tests use moto server."""
from __future__ import annotations

import contextlib
import os

import pytest

import chalicelib.engines  # noqa: F401  (switches third-party telemetry off, for tests that load a runtime directly)

# Unit tests must never reach a real endpoint or account.
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("PAGEVOICE_JWT_SECRET", "test-secret-" + "x" * 40)
os.environ.setdefault("PAGEVOICE_TTS_DETERMINISTIC", "1")
# A test process holds the engines of every test it runs, where a worker holds one job's: held to
# a worker's budget (chalicelib.plugins), it dropped and built them again between tests (the side
# part of `make test` took 465 s, 376 s with this). Stacks and the engines' own tests set theirs.
os.environ.setdefault("PAGEVOICE_WORKER_MEMORY_MB", "16384")


@pytest.fixture
def aws_env():
    """moto in-process with PageVoice's tables and bucket created from chalicelib.resources."""
    from moto import mock_aws

    from chalicelib import aws
    from infra.local.bootstrap import ensure_resources

    with mock_aws():
        aws.reset()
        ensure_resources()
        yield
    aws.reset()


# ---------------------------------------------------------------- the real local stack


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# The shared stack's "internet" (CONTRACTS section 18): a web server tests/links starts at this
# address, the one place its workers may fetch from though it is not public (PAGEVOICE_FETCH_ALLOW).
LINK_SITE = ("127.0.0.3", _free_port("127.0.0.3"))


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """`python -m infra.local` (what `make run` starts) on free ports, over HTTP."""
    with own_stack(tmp_path_factory, "stack", {"PAGEVOICE_KIND_PLUGINS": "tests.stubkind:KIND",
                                               "PAGEVOICE_FETCH_ALLOW": "{}:{}".format(*LINK_SITE),
                                               "PAGEVOICE_LINK_SECONDS": "8"}) as s:
        yield s


# A book's multipart upload on a stack of its own (tests/jobs/test_multipart_stack.py,
# tests/site/test_book_upload.py): files over 6 MiB go as parts of 5 MiB (S3's least part).
MULTIPART_PART = 5 * 1024 * 1024
MULTIPART_THRESHOLD = 6 * 1024 * 1024


@contextlib.contextmanager
def own_stack(tmp_path_factory, name: str, env: dict | None = None):
    """`python -m infra.local` on free ports with a state directory of its own, for a module whose
    tests need settings of their own (`env`). chalice local reports every caller as 127.0.0.1:
    sign-ups are not limited per address, so the suites that register users do not share one
    small budget. A worker process idle for a minute is reclaimed (Lambda's reclaim, sooner than
    `make run`'s ten minutes) while 60% of the machine's memory is in use: a pytest worker's session
    stack idles while a module's own stack runs, and its engines (~2 GB) went on holding memory two
    clones' suites side by side lacked; one suite alone keeps them warm. A book's shards run at nice
    5, not `make run`'s 19: two pytest workers' stacks share the cores, and at 19 one stack's book
    would wait on the other's uploads and Chromium (the niceness is for one stack's own people)."""
    from infra.local.process import StackProcess

    root = tmp_path_factory.mktemp(name)
    s = StackProcess(state_dir=root / "state", log_path=root / "stack.log",
                     extra_env={"PAGEVOICE_REGISTER_LIMIT_PER_IP": "1000", "PAGEVOICE_LOCAL_IDLE_SECONDS": "60",
                                "PAGEVOICE_LOCAL_IDLE_MEMORY_PERCENT": "60", "PAGEVOICE_LOCAL_SHARD_NICE": "5",
                                **(env or {})})
    s.start()
    try:
        yield s
    finally:
        s.stop()


# The TOGETHER groups' session stacks, by fixture name, while they run: each stops once its
# group's last test on this pytest worker is done (`pytest_runtest_teardown`), not at the session's
# end. A stack is ~4-5 GB with its worker processes' engines: two clones' suites side by side held
# every group's stack to the end and ran a 24 GB machine out of memory.
GROUP_STACKS: dict = {}


@pytest.fixture(scope="session")
def multipart_stack(tmp_path_factory):
    """The local stack with a small multipart threshold (PAGEVOICE_MULTIPART_BYTES), so that a
    10 MB PDF is a multipart upload (the shared `stack` keeps the default 100 MB)."""
    with own_stack(tmp_path_factory, "multipart-stack", {"PAGEVOICE_MULTIPART_BYTES": str(MULTIPART_THRESHOLD),
                                                         "PAGEVOICE_MULTIPART_PART_BYTES": str(MULTIPART_PART)}) as s:
        GROUP_STACKS["multipart_stack"] = s
        yield s


@pytest.fixture(scope="session")
def formats_stack(tmp_path_factory):
    """A stack of its own for books of other shapes (tests/jobs/test_book_formats_on_the_stack.py)."""
    with own_stack(tmp_path_factory, "formats-stack") as s:
        GROUP_STACKS["formats_stack"] = s
        yield s


def pytest_runtest_teardown(item, nextitem):
    """After a TOGETHER group's last test here (the next test is another unit's, or none), its
    stack stops; the fixture's own end later finds it stopped. Only where --dist loadfile hands
    each group out whole (`Together`): elsewhere a group's files need not run one after another."""
    group = TOGETHER.get(item.nodeid.split("::", 1)[0])
    if group is None or (nextitem is not None and scope_of(nextitem.nodeid) == group):
        return
    argv = " ".join(getattr(item.config, "workerinput", {}).get("mainargv", ()))  # a worker's own `dist` is "no"
    if "--dist loadfile" not in argv and "--dist=loadfile" not in argv:
        return
    stack = GROUP_STACKS.pop(group, None)
    if stack is not None:
        stack.stop()


@pytest.fixture(scope="session")
def worlds_book(formats_stack):
    """The 300,000-word EPUB made on it, once: the formats test checks it, the site's whole-book
    test (tests/site/test_whole_book.py) opens it."""
    from tests.jobs.test_book_formats_on_the_stack import worlds_book_job

    return worlds_book_job(formats_stack)


@pytest.fixture(scope="session")
def photo_with_text(tmp_path_factory):
    """A photo-like JPEG with known words: (path, expected words)."""
    from tests import images

    lines = ["MAIN STREET CAFE", "OPEN DAILY"]
    path = tmp_path_factory.mktemp("photos") / "cafe-sign.jpg"
    path.write_bytes(images.encode(images.text_image(lines, size=52).image, "JPEG", quality=90))
    return path, " ".join(lines).split()


# ---------------------------------------------------------------- markers (pyproject.toml)

def pytest_collection_modifyitems(config, items):
    """Mark what needs the heavy parts, so `make test-fast` can leave them out: the real stack
    (any test using the `stack` fixture), the browser (tests/site), the keras venv."""
    for item in items:
        path = str(item.fspath)
        if "stack" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.stack)
        if "/tests/site/" in path:
            item.add_marker(pytest.mark.browser)
        if path.endswith("test_keras_engine.py"):
            item.add_marker(pytest.mark.keras)
        if "/tests/infra/" in path and "packaged" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
        if item.nodeid.startswith(ALONE):
            item.add_marker(pytest.mark.alone)
        if item.nodeid.startswith(LONG_RUNS):
            item.add_marker(pytest.mark.long)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # xdist hands out whole files in this order (--dist loadfile): the longest first, so
        # that neither core is left finishing one of them while the other is idle.
        items.sort(key=lambda item: next((i for i, name in enumerate(LONG) if item.nodeid.startswith(name)), len(LONG)))


# Tests that run last, one at a time, because they share something global with whatever runs
# beside them. No test's verdict hangs on a wall-clock bound (tests/test_no_clock.py): a test of
# a time limit checks the order of events or the work done, and `make bench` prints the seconds
# (bench/timings.py), so a busy machine is no reason to be here. Node id prefixes: a file or one test.
ALONE = (
    # `make run` itself: make remakes what is stale among the repository's own build products
    # (chalicelib/engines/math/node_modules, node_modules, the stamps) and `infra.live_assets`
    # writes static_site/live-assets/, which the site tests beside it serve.
    "tests/infra/local/test_make_run.py::test_kill_9_of_make_run_stops_every_process_and_frees_the_ports",)

# The long runs: `make test` leaves them out and `make test-long` runs them (`make bench` first of
# all), as the brief puts long runs in `make bench` and keeps `make test` under 20 minutes. Each
# repeats at scale, or as a soak, a path `make test` already takes at the smallest size that shows
# it (named after each): what they add is the size itself, and they are run before an issue about
# size is closed. Node id prefixes: a file or one test. Worker-seconds from the heavy part's
# --durations=0 on this 2-core machine (2026-11-29).
LONG_RUNS = (
    # Every hostile file at once through a stack of its own (~165 s): each file is refused or cut in
    # process by tests/media (test_document, test_sandbox, flow/*), and tests/hardening/test_corpus
    # sends the malformed corpus through the stack.
    "tests/hardening/test_hostile.py",
    # A 40-minute recording through the site (~90 s): tests/site/test_kinds' recording, the
    # windows of tests/jobs/test_long_recording and tests/books/test_recording_book's 15 minutes.
    "tests/site/test_kinds.py::test_a_long_recording_is_transcribed_whole_on_its_clock_with_an_outline_and_steps",
    # The 300,000-word EPUB, made once for these three (~130 s): books of many sections are read and
    # recorded by shards in tests/site/test_real_flow_documents (60,000 words), test_flow_document
    # and tests/jobs/test_book.
    "tests/jobs/test_book_formats_on_the_stack.py::test_a_300000_word_epub_is_read_whole_with_every_chapter",
    "tests/site/test_whole_book.py::test_a_300000_word_epub_opens_at_once_and_its_last_chapter_is_heard",
    "tests/test_cli_books.py::test_process_reads_the_300000_word_epub_as_the_service_did",
    # The 1,000-page PDF through the site (~75 s): a book's window of pages, chapters, search and
    # resume on smaller books in tests/site/test_book_on_demand, test_book_download,
    # test_listening_controls and test_documents.
    "tests/site/test_whole_book.py",
    # Workers killed with SIGKILL in a book's shard and in a long recording's window (~140 s): a
    # worker process killed mid-job is replaced (tests/infra/local/test_bridge), every worker step's
    # fault and duplicate is injected in tests/hardening/test_faults, a duplicate window delivery
    # in tests/jobs/test_long_recording.
    "tests/jobs/test_book_on_the_stack.py::test_a_worker_killed_in_a_shard_and_a_duplicate_message_change_nothing",
    "tests/jobs/test_book_on_the_stack.py::test_a_worker_killed_inside_a_window_of_a_long_recording_changes_nothing",
    # One label per person across a long two-voice recording's windows (~40 s): the speakers'
    # matching across windows in tests/engines/diarization, two voices on the stack in
    # tests/site/test_speakers.
    "tests/jobs/test_long_recording.py::test_a_long_two_voice_recording_keeps_each_person_one_label_in_every_window",
    # The command line on a 500-page PDF and a 60-page PDF's speech parts (~40 s): the same shards on
    # a 120-page PDF in test_a_pdf_of_more_pages_than_a_worker_reads_is_read_whole, and the command
    # line beside the service on the stack in test_the_command_line_reads_a_book_as_the_service_does.
    "tests/test_cli_books.py::test_process_reads_a_500_page_pdf_whole",
    "tests/test_cli_books.py::test_process_records_a_60_page_pdf_in_speech_parts",
    # A benchmark's own run on three pages (~40 s): its configuration and scoring in the same file.
    "tests/bench/test_layout.py::test_three_text_layer_pages",
)

# The heavy part's longest files, longest first (measured with --durations=0 in two runs of the
# heavy part: a module fixture that waits for a stack's worker to read and record real documents,
# or a long model load). The heavy part runs with --no-loadscope-reorder, so xdist hands out files
# in this order (its own reorder, by number of tests, would leave a long file of few tests last).
# A pytest worker is handed its next file once two tests of its current one are left: a long
# test near the end (test_kinds' two-hour recording) held a file back while the other worker
# had nothing left to do. The TOGETHER files of formats_stack (~380 s on a worker, measured on
# the 2-core CI machine under other load: ~250 s alone) go first, as one unit.
LONG = ("tests/jobs/test_book_formats_on_the_stack.py", "tests/site/test_whole_book.py", "tests/site/test_kinds.py",
        "tests/jobs/test_book_on_the_stack.py", "tests/languages/test_on_the_stack.py", "tests/site/test_real_document.py",
        "tests/hardening/test_corpus.py", "tests/test_cli.py", "tests/hardening/test_fuzz.py", "tests/site/test_live.py",
        "tests/voices/test_on_the_stack.py", "tests/site/test_real_flow_documents.py", "tests/kinds/test_neural_voices.py",
        "tests/books/test_epub.py", "tests/site/test_flow_document.py", "tests/site/test_site.py",
        "tests/engines/ocr/test_keras_engine.py", "tests/media/test_broken_text_layer_stack.py",
        "tests/site/test_languages.py", "tests/site/test_listening_controls.py", "tests/books/test_recording_book.py",
        "tests/client/test_on_the_stack.py", "tests/web/test_export_on_the_stack.py")

# Files that share a session fixture of their own go to one pytest worker, so that it is built
# once: --dist loadfile hands out files one by one, and these landed on both workers, each
# starting a stack of its own (~20 CPU s).
TOGETHER = {"tests/jobs/test_multipart_stack.py": "multipart_stack", "tests/site/test_book_upload.py": "multipart_stack",
            "tests/client/test_on_the_stack.py": "multipart_stack",
            "tests/jobs/test_book_formats_on_the_stack.py": "formats_stack", "tests/site/test_whole_book.py": "formats_stack",
            # the command line reads the service's 300,000-word EPUB again (its worlds_book)
            "tests/test_cli_books.py": "formats_stack"}


def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Together(LoadFileScheduling):
        _split_scope = staticmethod(scope_of)

    return Together(config, log)


def scope_of(nodeid: str) -> str:
    """The work unit of a test under --dist loadfile: its file, or its TOGETHER group."""
    path = nodeid.split("::", 1)[0]
    return TOGETHER.get(path, path)
