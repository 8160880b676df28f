# The two commands of the README: `make run` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch/torchvision: the newest allowed on the build machines (pip finds them on local disk there).
TORCH_PINS ?= torch==2.14.1 torchvision==0.29.1
STAMP := $(VENV)/.installed

.PHONY: run test test-fast test-portable chromium nginx postgres serve-replicas bench install train bundled-model assets evaluate clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# The last step fills numba's on-disk cache for umap-learn and pynndescent (a process's first fit of 300 digits:
# 16 s without it, 4.7 s with it): paid once here, not by the Map page's first fit or by the test that fits UMAP.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q $(TORCH_PINS)
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/python -c 'from explain.atlas.projection import compile_umap; compile_umap()'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/digit-lens --server.port 8501

# Everything, browser tests included. Debian's Chromium (browser tests), nginx (the replica test) and PostgreSQL
# (the workspace store's second backend): each found, installed, or one line on how (tests/ensure_apt.sh).
# Two workers, each with its own app server and Chromium, each taking the next test when free (slow ones
# first: tests/conftest.py); a browser test mostly waits on the server and the page, a CPU-bound test fills it.
test: $(STAMP) chromium nginx postgres
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The inner loop: unit and AppTest tests, no browser, nothing marked slow.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not browser and not slow"

# The numeric tests again on PyTorch's portable kernels (no AVX2/AVX-512): a result that holds only on
# the CPU that made it shows up here before it reaches another machine. .ci/run runs it after `make test`.
test-portable: $(STAMP)
	ATEN_CPU_CAPABILITY=default $(BIN)/python -m pytest -m "not browser"

chromium:
	@bash tests/ensure_chromium.sh

nginx:
	@bash tests/ensure_apt.sh nginx "the replica test" nginx /usr/sbin/nginx

postgres:
	@bash tests/ensure_apt.sh postgresql "the workspace store's PostgreSQL tests" initdb '/usr/lib/postgresql/*/bin/initdb'

# N app processes behind Debian's nginx at http://127.0.0.1:8500, until Ctrl-C (deploy/; README).
N ?= 2
serve-replicas: $(STAMP) nginx
	$(BIN)/python -m deploy.replicas --replicas $(N) --port 8500

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# Writes to ~/.cache/digit-lens/models/; the shipped model changes only through `make bundled-model`.
train: $(STAMP)
	$(BIN)/python -m model.train

# Regenerates the shipped checkpoint with the seed's recipe (all 60,000 digits, final weights) and, from
# the same run, the record of its explanations across epochs (the Map page's "Across training") and five
# checkpoints along it (the Data page's TracIn). Then run `make assets`: every shipped result depends on it.
bundled-model: $(STAMP)
	$(BIN)/python -m explain.cli.train --out assets/mnist_mlp.safetensors --checkpoints assets/data/checkpoints \
		--record assets/map/training_record.npz --write-shipped

# Every shipped result (model card, leaderboards, UMAP map, README blocks) from the bundled model,
# then assets/manifest.json (commands and digests; model/manifest.py lists them once).
assets: $(STAMP)
	$(BIN)/python -m model.manifest --regenerate --write-shipped

evaluate: $(STAMP)
	$(BIN)/python -m model.evaluate

clean:
	rm -rf $(VENV) .pytest_cache
