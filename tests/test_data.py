import hashlib

import torch

from model.data import MNIST_MD5, RAW_FILES, load_mnist, mean_digit, seed_raw_folder
from model.paths import bundled_mnist_dir

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_bundled_files_are_the_originals():
    for name in RAW_FILES:
        digest = hashlib.md5((bundled_mnist_dir() / name).read_bytes()).hexdigest()
        assert digest == MNIST_MD5[name], name


def test_split_sizes_and_label_counts(train_split, test_split):
    assert train_split.images.shape == (60_000, 28, 28)
    assert test_split.images.shape == (10_000, 28, 28)
    assert torch.bincount(train_split.labels).tolist() == TRAIN_COUNTS
    assert torch.bincount(test_split.labels).tolist() == TEST_COUNTS
    assert train_split.images.dtype == torch.float32
    assert float(train_split.images.min()) == 0.0 and float(train_split.images.max()) == 1.0


def test_any_root_works_offline_and_reads_what_torchvision_reads(tmp_path, test_split):
    from torchvision import datasets

    seed_raw_folder(tmp_path)
    split = load_mnist(train=False, root=tmp_path)
    theirs = datasets.MNIST(tmp_path, train=False, download=True)  # finds the seeded files: no network
    assert torch.equal(split.images, theirs.data.to(torch.float32) / 255.0)
    assert torch.equal(split.labels, theirs.targets) and torch.equal(split.images, test_split.images)


def test_a_changed_file_fails_its_digest(tmp_path):
    import pytest

    from model.data import read_idx

    bad = tmp_path / "t10k-labels-idx1-ubyte.gz"
    blob = (bundled_mnist_dir() / bad.name).read_bytes()
    bad.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    with pytest.raises(ValueError, match="is not MNIST's"):
        read_idx(bad, MNIST_MD5[bad.name])


def test_mean_digit_is_a_copy(train_split):
    m = mean_digit()
    assert m.shape == (28, 28)
    m.fill_(7.0)
    assert float(mean_digit().max()) <= 1.0
