# The two contract commands: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: run test index eval bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

# Test-only: llama-cpp-python (its server builds from source, a few minutes)
# and the tiny SmolLM2 model fetched into .cache/llm/ for the LLM-mode tests.
# `make run` never needs these.
$(VENV)/.installed-llm: requirements-llm.txt tests/fetch_llm_model.py $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-llm.txt
	$(PY) tests/fetch_llm_model.py --dest .cache/llm
	touch $@

## index: index corpus/ (incremental: unchanged documents are skipped)
index: $(VENV)/.installed
	$(PY) -m assistant ingest corpus/ --prune

## run: venv, install, index corpus/ if missing or stale, serve http://127.0.0.1:7860
run: index
	$(PY) -m assistant serve --host $(HOST) --port $(PORT)

## test: venv, install (with test tools, llama.cpp server and the tiny model), whole suite
test: $(VENV)/.installed-test $(VENV)/.installed-llm
	$(PY) -m pytest

# The AMIF evaluation's own index of ../shared/corpus, kept between runs:
# ingest is incremental, so only the first `make eval` pays for embedding it.
EVAL_INDEX ?= .cache/eval-index/shared

## eval: QA sets (seed, AMIF + held-out, blind dev, blind test), ours vs the LangChain baseline; reports in evals/reports/
eval: $(VENV)/.installed
	$(PY) -m assistant eval evals/seed_qa.jsonl --corpus corpus --baseline --report evals/reports/seed
	@if [ -d ../shared/corpus ]; then \
	  ASSISTANT_INDEX_DIR=$(EVAL_INDEX) ASSISTANT_CHROMA_URL= $(PY) -m assistant ingest ../shared/corpus --prune && \
	  ASSISTANT_INDEX_DIR=$(EVAL_INDEX) ASSISTANT_CHROMA_URL= $(PY) -m assistant eval \
	    evals/amif_qa.jsonl evals/heldout_qa.jsonl --baseline --report evals/reports/amif && \
	  ASSISTANT_INDEX_DIR=$(EVAL_INDEX) ASSISTANT_CHROMA_URL= $(PY) -m assistant eval \
	    evals/blind_dev_qa.jsonl --baseline --report evals/reports/blind_dev && \
	  ASSISTANT_INDEX_DIR=$(EVAL_INDEX) ASSISTANT_CHROMA_URL= $(PY) -m assistant eval \
	    evals/blind_test_qa.jsonl --baseline --report evals/reports/blind_test; \
	else echo "../shared absent: skipping the AMIF QA set"; fi

## bench: ingest, query latency/recall at 1k/10k/100k (synthetic), serving; JSON in evals/results/
bench: $(VENV)/.installed
	$(PY) evals/bench.py all

clean:
	rm -rf $(VENV) index/chroma index/keyword
