"""The numpy forward pass the first Draw page answers with (before torch is in) equals the network's own."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from model.checkpoint import load_checkpoint
from model.data import load_mnist
from model.numpy_mlp import NumpyMLP
from model.paths import bundled_checkpoint


def test_numpy_forward_equals_the_torch_network_on_real_digits():
    model, _ = load_checkpoint(bundled_checkpoint())
    light = NumpyMLP.load(bundled_checkpoint())
    x = load_mnist(train=False).images[:500]
    with torch.no_grad():
        expected = torch.softmax(model(x), dim=1).numpy()
    got = light.probabilities(x.numpy())
    assert got.shape == (500, 10)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert (got.argmax(1) == expected.argmax(1)).all()
    one = light.probabilities(x[7].numpy())  # one 28×28 digit → ten probabilities
    np.testing.assert_allclose(one, expected[7], atol=1e-5)


def test_numpy_forward_follows_the_checkpoints_own_normalisation_and_layers(tmp_path):
    from model.checkpoint import CheckpointMeta, save_checkpoint
    from model.network import MLP, MLPConfig

    torch.manual_seed(0)
    net = MLP(MLPConfig(hidden=(32, 16, 8), mean=0.5, std=0.25)).eval()
    save_checkpoint(net, tmp_path / "m.safetensors", CheckpointMeta(hidden=(32, 16, 8), mean=0.5, std=0.25))
    x = torch.rand(20, 28, 28)
    with torch.no_grad():
        expected = torch.softmax(net(x), dim=1).numpy()
    np.testing.assert_allclose(NumpyMLP.load(tmp_path / "m.safetensors").probabilities(x.numpy()), expected,
                               atol=1e-5)


def test_numpy_forward_names_a_bad_shape():
    light = NumpyMLP.load(bundled_checkpoint())
    with pytest.raises(ValueError, match=r"\(27, 28\)"):
        light.probabilities(np.zeros((27, 28)))
