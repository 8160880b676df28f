from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from model.checkpoint import load_checkpoint
from model.data import load_mnist
from model.paths import bundled_checkpoint

# The app computes every page's default view in the background after start-up (app.prime). The suite
# starts many short-lived servers and AppTests that would each pay for it on 2 cores; tests/test_prime.py
# checks the priming itself. Servers started by the tests inherit this.
os.environ.setdefault("DIGIT_LENS_PRIME", "0")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def bundled():
    model, meta = load_checkpoint(bundled_checkpoint())
    model.requires_grad_(False)  # as the app holds it: explainers need input gradients only
    return model, meta


@pytest.fixture(scope="session")
def model(bundled):
    return bundled[0]


@pytest.fixture(scope="session")
def test_split():
    return load_mnist(train=False)


@pytest.fixture(scope="session")
def train_split():
    return load_mnist(train=True)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _single_thread_determinism():
    # Tests compare values bit for bit; keep torch's thread count fixed within a test.
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)
