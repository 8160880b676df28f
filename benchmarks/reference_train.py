"""The seed's training loop, kept only as the benchmark's reference: a torchvision DataLoader over
`datasets.MNIST` with a per-sample `ToTensor()` transform, same model, Adam lr 1e-3, batch 64."""

from __future__ import annotations

import time

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from model.data import seed_raw_folder
from model.evaluate import accuracy
from model.data import load_mnist
from model.network import MLP
from model.paths import data_cache_dir


def reference_train(epochs: int = 10, seed: int = 0) -> tuple[float, float]:
    """(seconds, test accuracy) of the seed's loop."""
    root = data_cache_dir()
    seed_raw_folder(root)
    torch.manual_seed(seed)
    ds = datasets.MNIST(str(root), train=True, download=True, transform=transforms.ToTensor())
    loader = DataLoader(ds, batch_size=64, shuffle=True)
    model = MLP()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
    seconds = time.perf_counter() - start
    model.eval()
    return seconds, accuracy(model, load_mnist(train=False))
