"""Known values by hand for LRP (ε rule), Guided Backprop, Deconvolution and SmoothGrad on a small
ReLU MLP with integer-ish hand-set weights: 784 inputs of which four matter, three hidden units (one
of them switched off by this input), ten outputs. Every expected number below is worked out in
numpy from the weights, not read from a run."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import norm

from explain import explain, explain_batch

PIXELS = (100, 230, 345, 470)  # a, b, c, d: the only pixels with weights
X = np.array([1.0, 0.5, 0.25, 0.75])  # their values in the input (the other 780 are 0)
W1 = np.array([[2.0, -1.0, 0.0, 0.0],   # h1 = relu(2a − b + 0.5) = 2.0      (on)
               [1.0, 0.0, -3.0, 0.0],   # h2 = relu(a − 3c)       = 0.25     (on, barely)
               [-1.0, 1.0, 0.0, -1.0]])  # h3 = relu(−a + b − d)  = 0 (−1.25: off)
B1 = np.array([0.5, 0.0, 0.0])
W2 = np.zeros((10, 3))
W2[0] = [3.0, -2.0, 4.0]  # the output we explain: 3·h1 − 2·h2 + 4·h3 = 5.5
W2[1] = [1.0, 1.0, 1.0]
TARGET = 0


class SmallMLP(torch.nn.Module):
    """784 → 3 → 10 with ReLU modules (the hooks Guided Backprop and Deconvolution need) and the
    flattening in forward() (Captum's LRP has no rule for nn.Flatten)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.relu, self.fc2 = torch.nn.Linear(784, 3), torch.nn.ReLU(), torch.nn.Linear(3, 10)
        w1 = torch.zeros(3, 784)
        w1[:, list(PIXELS)] = torch.tensor(W1, dtype=torch.float32)
        with torch.no_grad():
            self.fc1.weight.copy_(w1)
            self.fc1.bias.copy_(torch.tensor(B1, dtype=torch.float32))
            self.fc2.weight.copy_(torch.tensor(W2, dtype=torch.float32))
            self.fc2.bias.zero_()
        self.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.relu(self.fc1(x.reshape(x.shape[0], -1))))


def image() -> np.ndarray:
    img = np.zeros(784, dtype=np.float32)
    img[list(PIXELS)] = X
    return img.reshape(28, 28)


def at_pixels(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the map at a, b, c, d; the largest |value| anywhere else, which must be 0)."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    rest = np.delete(flat, list(PIXELS))
    return flat[list(PIXELS)], float(np.abs(rest).max())


Z1 = W1 @ X + B1  # (2.0, 0.25, −1.25)
ON = (Z1 > 0).astype(float)  # (1, 1, 0)
UP = W2[TARGET]  # the output's weights on h1..h3: the backward signal arriving at the ReLU


def test_the_hand_set_network_is_what_the_comments_say():
    np.testing.assert_allclose(Z1, [2.0, 0.25, -1.25])
    with torch.no_grad():
        out = SmallMLP()(torch.tensor(image())[None, None])[0].numpy()
    assert out[TARGET] == pytest.approx(5.5)


def test_guided_backprop_zeroes_negative_signals_at_each_relu():
    # The ReLU passes a gradient only where it was on (h1, h2) and only where it is positive: of
    # (3, −2, 4) only h1's 3 survives, so the map is 3·W1[h1] = (6, −3, 0, 0).
    expected = (np.maximum(UP, 0) * ON) @ W1
    np.testing.assert_allclose(expected, [6.0, -3.0, 0.0, 0.0])
    got, rest = at_pixels(explain(SmallMLP(), image(), "guided_backprop", target=TARGET).values)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert rest == 0.0


def test_deconvolution_ignores_which_units_were_on():
    # Deconvolution keeps the positive backward signal whatever the forward pass did: h3 (off)
    # passes its 4 too, so the map is 3·W1[h1] + 4·W1[h3] = (2, 1, 0, −4).
    expected = np.maximum(UP, 0) @ W1
    np.testing.assert_allclose(expected, [2.0, 1.0, 0.0, -4.0])
    got, rest = at_pixels(explain(SmallMLP(), image(), "deconvolution", target=TARGET).values)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert rest == 0.0


def _lrp_epsilon(eps: float = 1e-9) -> np.ndarray:
    """LRP-ε by hand (Bach et al. 2015): relevance R_k of a layer's output k goes to its inputs j in
    proportion to a_j·w_kj / (z_k + ε·sign(z_k)); the bias keeps its own share. Captum's default
    rule for Linear layers is this with ε = 1e-9."""
    def back(a, w, z, r):
        stab = z + eps * np.where(z >= 0, 1.0, -1.0)
        return a * (w.T @ (r / stab))

    h = np.maximum(Z1, 0)
    z2 = W2 @ h
    r_out = np.zeros(10)
    r_out[TARGET] = z2[TARGET]  # the explained output is the relevance to share out
    r_hidden = back(h, W2, z2, r_out)  # (6, −0.5, 0): the ReLU passes relevance unchanged
    return back(X, W1, Z1, r_hidden)


def test_lrp_epsilon_rule():
    expected = _lrp_epsilon()
    # Worked out: h1 gets 6 and shares it 2 : −0.5 : 0.5 (bias) over a, b and its bias → 6, −1.5;
    # h2 gets −0.5 and shares it 1 : −0.75 over a, c → −2, 1.5. So (4, −1.5, 1.5, 0), total 4 =
    # 5.5 minus the 1.5 the bias kept.
    np.testing.assert_allclose(expected, [4.0, -1.5, 1.5, 0.0], atol=1e-6)
    a = explain(SmallMLP(), image(), "lrp", target=TARGET)
    got, rest = at_pixels(a.values)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert rest == 0.0
    # For a ReLU network with ε → 0 this is input × gradient (Ancona et al. 2018): a second check.
    ixg, _ = at_pixels(explain(SmallMLP(), image(), "input_x_gradient", target=TARGET).values)
    np.testing.assert_allclose(got, ixg, atol=1e-5)


GRADIENT = (UP * ON) @ W1  # the plain gradient of output 0: (4, −3, 6, 0)


@pytest.mark.parametrize("absolute", [False, True])
def test_smoothgrad_without_noise_is_the_gradient(absolute):
    np.testing.assert_allclose(GRADIENT, [4.0, -3.0, 6.0, 0.0])
    a = explain(SmallMLP(), image(), "smoothgrad", target=TARGET,
                params={"stdev": 0.0, "n_samples": 3, "absolute": absolute})
    got, rest = at_pixels(a.values)
    np.testing.assert_allclose(got, np.abs(GRADIENT) if absolute else GRADIENT, atol=1e-6)
    assert rest == 0.0


def test_smoothgrad_with_small_noise_stays_in_the_same_linear_piece():
    # σ = 0.01 moves each pre-activation by at most ~0.03 (s.d.) against margins of 0.25 and more,
    # so no unit switches: every noisy copy has exactly the same gradient.
    got, rest = at_pixels(explain(SmallMLP(), image(), "smoothgrad", target=TARGET, seed=3,
                                  params={"stdev": 0.01, "n_samples": 50, "absolute": False}).values)
    np.testing.assert_allclose(got, GRADIENT, atol=1e-5)
    assert rest == 0.0


def test_smoothgrad_with_large_noise_matches_the_analytical_expectation():
    # With pixel noise N(0, σ²) each pre-activation z_k is Gaussian with mean Z1[k] and s.d.
    # σ·‖W1[k]‖, so unit k is on with probability Φ(Z1[k] / (σ‖W1[k]‖)); the gradient is linear in
    # the on/off pattern, so E[gradient] = (UP · P(on)) @ W1.
    sigma = 0.5
    p_on = norm.cdf(Z1 / (sigma * np.linalg.norm(W1, axis=1)))
    expected = (UP * p_on) @ W1  # ≈ (4.35, −2.59, 3.38, −0.30): not the noise-free (4, −3, 6, 0)
    maps = [explain(SmallMLP(), image(), "smoothgrad", target=TARGET, seed=s,
                    params={"stdev": sigma, "n_samples": 500, "absolute": False}).values
            for s in range(4)]  # 2,000 noisy copies: s.e. of each mean ≈ 0.05
    got, rest = at_pixels(np.mean(maps, axis=0))
    np.testing.assert_allclose(got, expected, atol=0.2)
    assert np.abs(got - GRADIENT).max() > 1.0  # the noise really changes the answer (pixel c: 3.4 vs 6)
    assert rest == 0.0


def test_the_batched_api_gives_the_same_known_values():
    x = np.repeat(image()[None, None], 3, axis=0)
    for method, expected in (("guided_backprop", [6.0, -3.0, 0.0, 0.0]), ("deconvolution", [2.0, 1.0, 0.0, -4.0]),
                             ("lrp", [4.0, -1.5, 1.5, 0.0])):
        batch = explain_batch(SmallMLP(), x, method, [TARGET] * 3)
        for values in batch.values:
            np.testing.assert_allclose(at_pixels(values)[0], expected, atol=1e-5, err_msg=method)
