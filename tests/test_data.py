"""sim.data: IDX reading, data directories, download failures, datasets and projections."""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from sim import data

MNIST_10K = data.PACKAGE_DATA / "mnist-10k"  # shipped inside the package
FASHION = Path("/usr/share/datasets/fashion-mnist")
# class counts of mnist-10k, from its README
MNIST_10K_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format (independent of the reader)."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_set(directory: Path, images: np.ndarray, labels: np.ndarray, stems: tuple[str, str],
              compress: bool = True) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for stem, arr in zip(stems, (images, labels)):
        payload = idx_bytes(arr)
        if compress:
            (directory / (stem + ".gz")).write_bytes(gzip.compress(payload))
        else:
            (directory / stem).write_bytes(payload)


def fake_images(rng, n):
    return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), rng.integers(0, 10, size=n)


# ----------------------------------------------------------------------------- read_idx

@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_roundtrip(tmp_path, compress):
    arr = np.random.default_rng(0).integers(0, 256, size=(3, 4, 5), dtype=np.uint8)
    path = tmp_path / "a-idx3-ubyte"
    path.write_bytes(gzip.compress(idx_bytes(arr)) if compress else idx_bytes(arr))
    got = data.read_idx(path)
    assert got.shape == (3, 4, 5) and got.dtype == np.uint8
    np.testing.assert_array_equal(got, arr)


def test_read_idx_truncated_and_corrupt(tmp_path):
    arr = np.arange(60, dtype=np.uint8).reshape(3, 4, 5)
    raw = idx_bytes(arr)
    (tmp_path / "short").write_bytes(raw[:-7])
    with pytest.raises(ValueError, match="truncated"):
        data.read_idx(tmp_path / "short")
    (tmp_path / "short.gz").write_bytes(gzip.compress(raw)[:-12])
    with pytest.raises(ValueError, match="corrupt or truncated gzip"):
        data.read_idx(tmp_path / "short.gz")
    (tmp_path / "long").write_bytes(raw + b"\0")
    with pytest.raises(ValueError, match="trailing bytes"):
        data.read_idx(tmp_path / "long")
    (tmp_path / "magic").write_bytes(b"\x12\x34" + raw[2:])
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(tmp_path / "magic")


# ----------------------------------------------------------------------------- directories

def test_standard_and_unsplit_layouts(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    tr, te = fake_images(rng, 50), fake_images(rng, 20)
    write_set(tmp_path / "std", *tr, ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"))
    write_set(tmp_path / "std", *te, ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
              compress=False)
    raw = data.load_images("fashion-mnist", tmp_path / "std")
    np.testing.assert_array_equal(raw.train_images, tr[0])
    np.testing.assert_array_equal(raw.test_labels, te[1])
    # the environment variable, and a sub-directory named after the data set
    write_set(tmp_path / "root" / "mnist", *tr, ("images-idx3-ubyte", "labels-idx1-ubyte"))
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "root"))
    raw = data.load_images("mnist")
    assert raw.test_images is None and len(raw.train_images) == 50
    ds = data.load_dataset("mnist", train_size=30, test_size=10, seed=3)
    assert ds.x_train.shape == (30, 784) and ds.x_test.shape == (10, 784)
    assert ds.x_train.dtype == np.int8 and set(np.unique(ds.x_train)) <= {-1, 1}


def test_missing_data_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    with pytest.raises(FileNotFoundError) as err:
        data.load_images("fashion-mnist", tmp_path)
    text = str(err.value)
    assert "--data-dir" in text and data.ENV_VAR in text and "apt-get install" in text
    with pytest.raises(ValueError, match="name"):
        data.load_images("cifar", tmp_path)


# ----------------------------------------------------------------------------- download

class _Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_download_offline_fails_clearly(tmp_path):
    def offline(url, timeout):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    with pytest.raises(data.DownloadError) as err:
        data.download("fashion-mnist", tmp_path, opener=offline)
    assert "offline" in str(err.value) and "--data-dir" in str(err.value)
    assert not any(tmp_path.iterdir())


def test_download_checks_sha256(tmp_path, monkeypatch):
    payloads = {name: gzip.compress(f"file {name}".encode()) for name in
                data._SOURCES["mnist"].sha256}
    served = []

    def opener(url, timeout):
        name = url.rsplit("/", 1)[1]
        served.append(name)
        return _Response(payloads[name])

    with pytest.raises(data.DownloadError, match="SHA-256"):  # real checksums: mismatch
        data.download("mnist", tmp_path, opener=opener)
    assert not list(tmp_path.glob("*.gz"))
    fake = data._Source((), (), "https://example.invalid/",
                        {n: hashlib.sha256(p).hexdigest() for n, p in payloads.items()}, "")
    monkeypatch.setitem(data._SOURCES, "mnist", fake)
    served.clear()
    data.download("mnist", tmp_path, opener=opener)
    assert sorted(served) == sorted(payloads)
    for name, payload in payloads.items():
        assert (tmp_path / name).read_bytes() == payload
    served.clear()
    data.download("mnist", tmp_path, opener=opener)  # verified files are kept
    assert served == []


# ----------------------------------------------------------------------------- transforms

def test_sign_projection_and_ties():
    assert data.sign_pm1(np.array([-1e-300, 0.0, 2.0])).tolist() == [-1, 1, 1]
    images = np.zeros((2, 28, 28), np.uint8)
    images[1, 3, 4] = 255
    g = data.projection_matrix(784, 7, np.random.default_rng(0))
    x = data.sign_projection(images, g)
    assert x[0].tolist() == [1] * 7  # all-zero image: p G = 0, sign(0) = +1
    np.testing.assert_array_equal(x[1], np.where(g[3 * 28 + 4] >= 0, 1, -1))
    with pytest.raises(ValueError, match="rows"):
        data.sign_projection(images, g[:100])


def test_prototypes_statistics():
    ds = data.prototypes(n_classes=5, n_inputs=400, n_train=500, n_test=100, flip=0.3,
                         rng=np.random.default_rng(2))
    again = data.prototypes(n_classes=5, n_inputs=400, n_train=500, n_test=100, flip=0.3,
                            rng=np.random.default_rng(2))
    np.testing.assert_array_equal(ds.x_train, again.x_train)
    # recover the prototypes by a majority vote per class, then count flipped bits:
    # 500 x 400 bits, flip rate 0.3, binomial std 0.3 * 0.7 / sqrt(2e5) = 1e-3
    protos = np.stack([data.sign_pm1(ds.x_train[ds.y_train == c].sum(0)) for c in range(5)])
    flipped = np.mean(ds.x_train != protos[ds.y_train])
    assert abs(flipped - 0.3) < 5e-3
    with pytest.raises(ValueError, match="flip"):
        data.prototypes(flip=0.5, rng=np.random.default_rng(0))


# ----------------------------------------------------------------------------- real data

def test_entangled_mnist_from_package_data(monkeypatch, tmp_path):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # an empty user cache
    assert MNIST_10K.is_dir()
    assert data.load_images("mnist").directory == MNIST_10K
    ds = data.load_dataset("entangled-mnist")
    assert ds.x_train.shape == (9000, 100) and ds.x_test.shape == (1000, 100)
    assert ds.n_classes == 10 and set(np.unique(ds.x_train)) == {-1, 1}
    # train and test partition the 10,000 digits: their class counts add up to the README's
    counts = np.bincount(ds.y_train, minlength=10) + np.bincount(ds.y_test, minlength=10)
    assert counts.tolist() == MNIST_10K_COUNTS
    # about half of the signs are +1 (projection of non-negative pixels by N(0,1) columns)
    assert abs(np.mean(ds.x_train == 1) - 0.5) < 0.05
    same = data.load_dataset("entangled-mnist", train_size=500, test_size=200)
    np.testing.assert_array_equal(same.x_test, ds.x_test[:200])  # test = first Q of the split
    other = data.load_dataset("entangled-mnist", train_size=500, test_size=200, seed=1)
    assert not np.array_equal(other.x_test, same.x_test)
    with pytest.raises(ValueError, match="train_size"):
        data.load_dataset("entangled-mnist", train_size=9500)


@pytest.mark.skipif(not FASHION.is_dir(), reason="dataset-fashion-mnist not installed")
def test_fashion_mnist_default_place(monkeypatch):
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    raw = data.load_images("fashion-mnist")
    assert raw.train_images.shape == (60000, 28, 28) and raw.test_images.shape == (10000, 28, 28)
    assert np.bincount(raw.train_labels).tolist() == [6000] * 10
    assert np.bincount(raw.test_labels).tolist() == [1000] * 10
    ds = data.load_dataset("fashion-mnist", train_size=300, test_size=100)
    assert ds.x_train.shape == (300, 784) and ds.n_classes == 10


# ----------------------------------------------------------------------------- bad data

def _unsplit(tmp_path, images, labels):
    write_set(tmp_path, images, labels, ("images-idx3-ubyte", "labels-idx1-ubyte"))
    return tmp_path / "labels-idx1-ubyte.gz", tmp_path / "images-idx3-ubyte.gz"


def test_out_of_range_or_single_class_labels_refused_naming_the_file(tmp_path):
    images, labels = fake_images(np.random.default_rng(3), 40)
    labels[7] = 200  # one corrupt byte would otherwise make 201 classes
    label_file, _ = _unsplit(tmp_path / "a", images, labels)
    with pytest.raises(ValueError, match="labels must be in 0..9") as err:
        data.load_images("mnist", tmp_path / "a")
    assert str(label_file) in str(err.value)
    label_file, _ = _unsplit(tmp_path / "b", images, np.zeros(40, dtype=np.uint8))
    with pytest.raises(ValueError, match="two classes") as err:
        data.load_dataset("mnist", tmp_path / "b", test_size=10)
    assert str(label_file) in str(err.value)


def test_nan_pixels_refused_naming_the_file(tmp_path):
    images, labels = fake_images(np.random.default_rng(4), 30)
    pixels = images.astype(">f4")
    pixels[3, 5, 5] = np.nan
    directory = tmp_path / "f"
    write_set(directory, images, labels, ("images-idx3-ubyte", "labels-idx1-ubyte"))
    header = bytes([0, 0, 0x0D, 3]) + b"".join(struct.pack(">I", n) for n in pixels.shape)
    image_file = directory / "images-idx3-ubyte.gz"
    image_file.write_bytes(gzip.compress(header + pixels.tobytes()))
    assert np.isnan(data.read_idx(image_file)).any()  # the reader itself keeps the values
    with pytest.raises(ValueError, match="NaN") as err:
        data.load_images("mnist", directory)
    assert str(image_file) in str(err.value)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"train_size": 1.5}, "train_size"), ({"train_size": 0}, "train_size"),
    ({"test_size": -3}, "test_size"), ({"train_size": True}, "train_size")])
def test_bad_sizes_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        data.load_dataset("prototypes", **kwargs)
    with pytest.raises(ValueError, match=name):
        data.load_dataset("entangled-mnist", **kwargs)


def test_download_defaults_to_the_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    def offline(url, timeout):
        raise urllib.error.URLError("offline")

    with pytest.raises(data.DownloadError):
        data.download("mnist", opener=offline)
    assert (tmp_path / "steering-fixed-points" / "mnist").is_dir()
