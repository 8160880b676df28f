import json
import struct

import pytest
import torch

from model.checkpoint import (
    MAX_CHECKPOINT_BYTES,
    CheckpointMeta,
    checkpoint_bytes,
    load_checkpoint,
    load_checkpoint_bytes,
    save_checkpoint,
)
from model.network import MLP, MLPConfig


def _good(hidden=(16, 8)) -> tuple[MLP, bytes]:
    torch.manual_seed(0)
    net = MLP(MLPConfig(hidden=hidden))
    return net, checkpoint_bytes(net, CheckpointMeta(hidden=hidden, seed=0))


def _rewrite_header(data: bytes, edit) -> bytes:
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    edit(header)
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data[8 + n :]


def test_network_layers_and_shapes():
    net = MLP()
    assert [s.width for s in net.hidden_layers()] == [128, 64]
    assert isinstance(net.layer("relu1"), torch.nn.ReLU)
    assert net.layer("relu1") is not net.layer("relu2")  # never a reused ReLU
    assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert torch.equal(net(torch.zeros(3, 784)), net(torch.zeros(3, 28, 28)))
    with pytest.raises(ValueError, match="unknown layer"):
        net.layer("conv1")
    with pytest.raises(ValueError, match="hidden"):
        MLPConfig(hidden=(0,))


def test_round_trip(tmp_path):
    net, _ = _good()
    meta = CheckpointMeta(hidden=(16, 8), seed=3, epochs=2, test_accuracy=0.5)
    save_checkpoint(net, tmp_path / "m.safetensors", meta)
    loaded, meta2 = load_checkpoint(tmp_path / "m.safetensors")
    assert meta2 == meta
    x = torch.rand(5, 28, 28)
    assert torch.equal(net(x), loaded(x))


def test_bundled_metadata(bundled):
    _, meta = bundled
    assert meta.hidden == (128, 64) and meta.train_size == 60_000 and meta.seed == 0
    assert len(meta.mnist_md5) == 4 and meta.torch_version


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: b"", "empty"),
        (lambda d: d[:5], "truncated"),
        (lambda d: d[: len(d) // 2], "truncated|outside"),
        (lambda d: b"\x80\x04\x95" + d[3:], "pickle"),
        (lambda d: b"PK\x03\x04" + d[4:], "pickle"),
        (lambda d: struct.pack("<Q", 10**10) + d[8:], "header declares"),
        (lambda d: bytes(range(256)) * 4, "header|JSON|truncated"),
        (lambda d: b"\x00" * (MAX_CHECKPOINT_BYTES + 1), "limit"),
    ],
)
def test_corrupt_files_raise_value_error(mutate, message):
    _, data = _good()
    with pytest.raises(ValueError, match=message):
        load_checkpoint_bytes(mutate(data))


def test_wrong_shape_is_named():
    def edit(h):
        h["__metadata__"]["digit_lens"] = json.dumps(
            {**json.loads(h["__metadata__"]["digit_lens"]), "hidden": [16, 9]}
        )

    _, data = _good()
    with pytest.raises(ValueError, match=r"net\.fc2\.weight.*shape"):
        load_checkpoint_bytes(_rewrite_header(data, edit))


def test_missing_and_wrong_dtype_tensors():
    _, data = _good()
    with pytest.raises(ValueError, match="missing"):
        load_checkpoint_bytes(_rewrite_header(data, lambda h: h.pop("net.out.bias")))
    with pytest.raises(ValueError, match="float32"):
        load_checkpoint_bytes(_rewrite_header(data, lambda h: h["net.out.bias"].update(dtype="F16")))
    with pytest.raises(ValueError, match="architecture"):
        load_checkpoint_bytes(_rewrite_header(data, lambda h: h["__metadata__"].update(
            digit_lens=json.dumps({"architecture": "cnn", "hidden": [16, 8], "mean": 0.1, "std": 0.3}))))


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_weights(bad):
    net, _ = _good()
    with torch.no_grad():
        net.net.fc1.weight[3, 5] = bad
    data = checkpoint_bytes(net, CheckpointMeta(hidden=(16, 8)))
    with pytest.raises(ValueError, match="net.fc1.weight.*NaN"):
        load_checkpoint_bytes(data)


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.safetensors")


def test_a_header_length_starting_with_0x80_is_not_mistaken_for_a_pickle():
    net, data = _good()
    for pad in range(300):  # some header length ≡ 128 (mod 256): the file then starts with 0x80
        padded = _rewrite_header(data, lambda h, p=pad: h["__metadata__"].update(note="x" * p))
        if padded[0] == 0x80:
            break
    assert padded[0] == 0x80
    loaded, _ = load_checkpoint_bytes(padded)
    assert torch.equal(loaded.net.out.bias, net.net.out.bias)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda h: h["net.out.bias"].update(data_offsets=5), "outside"),
        (lambda h: h["net.out.bias"].update(shape=7), "shape"),
        (lambda h: h["__metadata__"].update(digit_lens="[" * 100_000), "malformed|JSON|limit"),
        (lambda h: h.update(__metadata__=["x"]), "metadata"),
    ],
)
def test_malformed_headers_are_value_errors(edit, message):
    _, data = _good()
    with pytest.raises(ValueError, match=message):
        load_checkpoint_bytes(_rewrite_header(data, edit))


@pytest.mark.parametrize("field, value", [("train_size", "lots"), ("seed", 1.5), ("lr_schedule", "![x](http://e)" * 9),
                                          ("epochs", [1]), ("mnist_md5", "abc")])
def test_metadata_fields_are_type_checked(field, value):
    _, data = _good()

    def edit(h):
        meta = json.loads(h["__metadata__"]["digit_lens"])
        meta[field] = value
        h["__metadata__"]["digit_lens"] = json.dumps(meta)

    with pytest.raises(ValueError, match=field):
        load_checkpoint_bytes(_rewrite_header(data, edit))


def test_torch_threads_sets_the_count_for_the_block_and_restores_it():
    import threading

    from model.threads import DEFAULT_THREADS, torch_threads

    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == DEFAULT_THREADS
    # Run B's block begins while run A's is open (so B finds 1) and ends after A's: B must not hand the 1
    # it found on to every thread that starts torch after it (other sessions' runs).
    b_began, a_ended = threading.Event(), threading.Event()

    def run_b() -> None:
        with torch_threads(1):
            b_began.set()
            a_ended.wait()

    with torch_threads(1):
        b = threading.Thread(target=run_b)
        b.start()
        b_began.wait()
    a_ended.set()
    b.join()
    seen: list[int] = []
    later = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    later.start()
    later.join()
    assert seen == [DEFAULT_THREADS]
    with pytest.raises(ValueError, match="positive int"):
        with torch_threads(0):
            pass


def test_a_plain_state_dict_of_linear_layers_loads_with_its_shape_inferred():
    """What the pickle refusal advises (`save_file(model.state_dict(), …)`) is accepted: the layers are chained
    by shape, MNIST's normalisation is assumed, and the outputs match the original model (issue 28)."""
    from safetensors.torch import save

    from model.checkpoint import has_digit_lens_metadata

    torch.manual_seed(0)
    mine = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16),
                               torch.nn.ReLU(), torch.nn.Linear(16, 10))
    data = save({k: v.contiguous() for k, v in mine.state_dict().items()})
    assert not has_digit_lens_metadata(data)
    net, meta = load_checkpoint_bytes(data)
    assert meta.hidden == (32, 16)
    x = torch.rand(4, 1, 28, 28)
    assert torch.allclose(net(x), mine((x - 0.1307) / 0.3081), atol=1e-6)
    for bad, message in (({"a.weight": torch.zeros(5, 784)}, "784 → … → 10"),
                         ({**mine.state_dict(), "extra": torch.zeros(3)}, "not only the Linear")):
        with pytest.raises(ValueError, match=message):
            load_checkpoint_bytes(save({k: v.contiguous() for k, v in bad.items()}))
