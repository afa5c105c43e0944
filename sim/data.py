"""Data for the learner: IDX files (MNIST, Fashion-MNIST), sign projections, prototypes.

This is the one module of ``sim`` that reads files. Every data set comes out as a
:class:`Dataset` of +-1 inputs (int8) and integer labels:

- ``entangled-mnist``: "Entangled MNIST" of arXiv:2510.11984, x = sign(G^T p) with p the
  784 MNIST pixels scaled to [0, 1] and G a fixed 784 x 100 matrix of i.i.d. N(0, 1) entries
  (seeded); sign(0) = +1.
- ``mnist`` / ``fashion-mnist``: the same with a 784 x 784 projection (784 +-1 inputs).
- ``prototypes``: C random +-1 prototypes of length N, examples are a prototype with each bit
  flipped independently with probability ``flip``; needs no files.

Where the files are looked for, in order: the ``data_dir`` argument, else the environment
variable ``STEERING_DATA_DIR``, else the user cache (``$XDG_CACHE_HOME/steering-fixed-points``,
default ``~/.cache/steering-fixed-points``, where :func:`download` puts files by default), then
the default places of each data set: the 10,000 MNIST digits shipped inside this package
(``sim/datasets/mnist-10k``, see its README for provenance and licence) for MNIST, Debian's
``/usr/share/datasets/fashion-mnist`` for Fashion-MNIST. A directory may hold the standard four
files (``train-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``, ..., gzip or not) or one unsplit pair (``images-idx3-ubyte``,
``labels-idx1-ubyte``, e.g. the 10,000 digits of mnist-10k), which is split with a seed.
:func:`download` fetches the standard files over the network and checks their SHA-256.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ENV_VAR = "STEERING_DATA_DIR"
DATASETS = ("mnist", "entangled-mnist", "fashion-mnist", "prototypes")

# IDX element types: code -> (numpy big-endian dtype)
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

# data shipped inside the package (package data: present after `pip install .` too)
PACKAGE_DATA = Path(__file__).resolve().parent / "datasets"
N_CLASSES = 10  # MNIST and Fashion-MNIST labels are 0..9


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/steering-fixed-points`` (default ``~/.cache/...``): where
    :func:`download` writes by default and where loading looks after ``STEERING_DATA_DIR``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path("~/.cache").expanduser()
    return Path(base) / "steering-fixed-points"


@dataclass(frozen=True)
class _Source:
    """Where one image collection lives and how to fetch it."""

    subdirs: tuple[str, ...]            # sub-directory names tried under a data directory
    defaults: tuple[Path, ...]          # default search places
    url: str                            # base address of the standard files
    sha256: dict[str, str]              # standard .gz file name -> SHA-256
    install_hint: str


_SOURCES = {
    "mnist": _Source(
        subdirs=("mnist", "mnist-10k"),
        defaults=(PACKAGE_DATA / "mnist-10k",),
        url="https://storage.googleapis.com/cvdf-datasets/mnist/",
        sha256={
            "train-images-idx3-ubyte.gz":
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz":
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz":
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz":
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
        install_hint=("the standard MNIST files (the 10,000 digits shipped in "
                      "sim/datasets/mnist-10k are missing: reinstall the package)"),
    ),
    "fashion-mnist": _Source(
        subdirs=("fashion-mnist", "fashion_mnist"),
        defaults=(Path("/usr/share/datasets/fashion-mnist"),),
        url="https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        sha256={
            "train-images-idx3-ubyte.gz":
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz":
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz":
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz":
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
        install_hint=("`apt-get install dataset-fashion-mnist` "
                      "(installs /usr/share/datasets/fashion-mnist)"),
    ),
}
_SPLIT_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_UNSPLIT_FILES = ("images-idx3-ubyte", "labels-idx1-ubyte")


class DownloadError(OSError):
    """A download failed (offline machine, bad address) or gave a file with a wrong checksum."""


@dataclass(frozen=True)
class Dataset:
    """A classification task with +-1 inputs.

    x_train: (P, N) int8 in {-1, +1}; y_train: (P,) int64 in [0, n_classes); same for test.
    ``info`` records where the data came from (files, seeds, projection) for the JSON output.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    info: dict = field(default_factory=dict)

    @property
    def n_inputs(self) -> int:
        return int(self.x_train.shape[1])


@dataclass(frozen=True)
class RawImages:
    """Grey-level images (n, rows, cols) uint8 with labels (n,), split or not."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray | None
    test_labels: np.ndarray | None
    directory: Path


# ----------------------------------------------------------------------------- IDX files

def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (gzip-compressed or not, detected from its first bytes).

    Format: two zero bytes, a type code (0x08 = uint8, ...), the number of dimensions d,
    d big-endian uint32 sizes, then the data in row-major order. Raises ValueError naming
    the file if it is corrupt (bad gzip stream, bad header) or truncated.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise ValueError(f"{path}: corrupt or truncated gzip stream ({exc}); "
                             "delete the file and fetch it again") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path}: not an IDX file (bad magic number {raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header")
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    found = len(raw) - header
    if found != expected:
        what = "truncated" if found < expected else "has trailing bytes"
        raise ValueError(f"{path}: IDX file {what}: header {shape} needs {expected} data bytes, "
                         f"found {found}; delete the file and fetch it again")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _find_file(directory: Path, stem: str) -> Path | None:
    """``stem`` or ``stem.gz`` in ``directory``, also with '.' instead of '-' before 'idx'."""
    dotted = stem.replace("-idx", ".idx")
    for name in (stem + ".gz", stem, dotted + ".gz", dotted):
        if (directory / name).is_file():
            return directory / name
    return None


def _candidate_dirs(name: str, data_dir: str | os.PathLike | None) -> list[Path]:
    source = _SOURCES[name]
    given = data_dir if data_dir is not None else os.environ.get(ENV_VAR) or None
    if given is not None:
        base = Path(given).expanduser()
        return [base] + [base / sub for sub in source.subdirs]
    cache = user_cache_dir()
    return [cache / sub for sub in source.subdirs] + list(source.defaults)


def load_images(name: str, data_dir: str | os.PathLike | None = None) -> RawImages:
    """The images and labels of ``name`` ('mnist' or 'fashion-mnist') from the first
    directory that holds them (see the module docstring for the search order).

    Raises FileNotFoundError saying where it looked and what to do when nothing is found.
    """
    if name not in _SOURCES:
        raise ValueError(f"name must be one of {sorted(_SOURCES)}, got {name!r}")
    tried = _candidate_dirs(name, data_dir)
    for directory in tried:
        split = {part: [_find_file(directory, stem) for stem in stems]
                 for part, stems in _SPLIT_FILES.items()}
        if all(p is not None for p in split["train"]):
            test = split["test"] if all(p is not None for p in split["test"]) else None
            return _read_pair(directory, split["train"], test)
        unsplit = [_find_file(directory, stem) for stem in _UNSPLIT_FILES]
        if all(p is not None for p in unsplit):
            return _read_pair(directory, unsplit, None)
    source = _SOURCES[name]
    raise FileNotFoundError(
        f"no {name} IDX files found in {', '.join(str(d) for d in tried)}. Provide "
        f"{source.install_hint}: pass --data-dir DIR (or set {ENV_VAR}=DIR) to a directory "
        f"holding train-images-idx3-ubyte[.gz] and the other standard files, or run "
        f"sim.data.download({name!r}, DIR) on a machine that is online.")


def _checked_images(images: np.ndarray, path: Path) -> np.ndarray:
    """Grey levels must be finite and in [0, 255] (they are scaled by 1/255)."""
    if images.dtype.kind == "f" and not np.isfinite(images).all():
        raise ValueError(f"{path}: images hold NaN or infinite pixel values")
    if images.size and (images.min() < 0 or images.max() > 255):
        raise ValueError(f"{path}: pixel values must be grey levels in [0, 255], found "
                         f"[{images.min()}, {images.max()}]")
    return images


def _checked_labels(labels: np.ndarray, path: Path) -> np.ndarray:
    """Labels must be integers 0..9 and name at least two classes."""
    if labels.dtype.kind not in "iu":
        raise ValueError(f"{path}: labels must be integers, found IDX type {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= N_CLASSES):
        bad = labels[(labels < 0) | (labels >= N_CLASSES)]
        raise ValueError(f"{path}: labels must be in 0..{N_CLASSES - 1}, found {bad[0]} "
                         f"({len(bad)} labels out of range)")
    if len(np.unique(labels)) < 2:
        raise ValueError(f"{path}: every label is {labels[0] if labels.size else 'missing'}; "
                         "a classification set needs at least two classes")
    return labels.astype(np.int64)


def _read_pair(directory: Path, train: list[Path], test: list[Path] | None) -> RawImages:
    def pair(paths):
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{paths[0]} / {paths[1]}: images {images.shape} and labels "
                             f"{labels.shape} do not match")
        return _checked_images(images, paths[0]), _checked_labels(labels, paths[1])

    tr_x, tr_y = pair(train)
    te_x, te_y = pair(test) if test is not None else (None, None)
    return RawImages(tr_x, tr_y, te_x, te_y, directory)


# ----------------------------------------------------------------------------- download

def download(name: str, directory: str | os.PathLike | None = None,
             opener: Callable = urllib.request.urlopen, timeout: float = 60.0) -> Path:
    """Fetch the four standard IDX .gz files of ``name`` into ``directory`` (default: its
    sub-directory ``name`` of :func:`user_cache_dir`, searched by the loaders) and check each
    SHA-256 against the published value. Files already present with the right checksum are
    kept. Raises DownloadError with advice when the machine is offline or a checksum fails.
    ``opener(url, timeout=...)`` returns a readable response (urllib's by default).
    """
    if name not in _SOURCES:
        raise ValueError(f"name must be one of {sorted(_SOURCES)}, got {name!r}")
    source = _SOURCES[name]
    directory = user_cache_dir() / name if directory is None else Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for filename, digest in source.sha256.items():
        target = directory / filename
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
            continue
        url = source.url + filename
        try:
            with opener(url, timeout=timeout) as response:
                payload = response.read()
        except (urllib.error.URLError, OSError) as exc:
            raise DownloadError(
                f"could not download {url} ({exc}). This machine looks offline: copy the "
                f"files to a directory by other means and pass --data-dir DIR (or set "
                f"{ENV_VAR}); for Fashion-MNIST, `apt-get install dataset-fashion-mnist`.") from exc
        got = hashlib.sha256(payload).hexdigest()
        if got != digest:
            raise DownloadError(f"{url}: SHA-256 {got} differs from the published {digest}; "
                                "the file was not saved")
        partial = target.with_suffix(".part")
        partial.write_bytes(payload)
        partial.replace(target)
    return directory


# ----------------------------------------------------------------------------- transforms

def sign_pm1(values: np.ndarray) -> np.ndarray:
    """Elementwise sign with sign(0) = +1, as int8."""
    return np.where(np.asarray(values) >= 0, 1, -1).astype(np.int8)


def projection_matrix(n_pixels: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """A fixed (n_pixels, n_out) matrix of i.i.d. N(0, 1) entries (float64)."""
    if n_pixels < 1 or n_out < 1:
        raise ValueError(f"n_pixels and n_out must be >= 1, got {n_pixels}, {n_out}")
    return rng.standard_normal((n_pixels, n_out))


def sign_projection(images: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """x = sign(p G) with p the flattened pixels scaled to [0, 1]; (n, n_out) int8."""
    pixels = images.reshape(len(images), -1).astype(np.float64) / 255.0
    if pixels.shape[1] != matrix.shape[0]:
        raise ValueError(f"matrix has {matrix.shape[0]} rows for {pixels.shape[1]} pixels")
    return sign_pm1(pixels @ matrix)


def _check_count(value, name: str, low: int = 1) -> int:
    """``value`` as an int >= ``low``; ValueError naming ``name`` otherwise (1.5, True, "3")."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")  # noqa: TRY004 (project rule)
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def prototypes(n_classes: int = 10, n_inputs: int = 200, n_train: int = 2000,
               n_test: int = 1000, flip: float = 0.35, *,
               rng: np.random.Generator) -> Dataset:
    """Synthetic task: C random +-1 prototypes; an example of class c is prototype c with each
    bit flipped independently with probability ``flip``. Classes are drawn uniformly."""
    _check_count(n_classes, "n_classes", low=2)
    for value, what in ((n_inputs, "n_inputs"), (n_train, "n_train"), (n_test, "n_test")):
        _check_count(value, what)
    if not 0.0 <= flip < 0.5:
        raise ValueError(f"flip must be in [0, 0.5), got {flip}")
    protos = sign_pm1(rng.standard_normal((n_classes, n_inputs)))

    def draw(n):
        labels = rng.integers(0, n_classes, size=n)
        noise = np.where(rng.random((n, n_inputs)) < flip, -1, 1).astype(np.int8)
        return protos[labels] * noise, labels.astype(np.int64)

    x_tr, y_tr = draw(n_train)
    x_te, y_te = draw(n_test)
    info = {"n_inputs": n_inputs, "flip": flip}
    return Dataset("prototypes", x_tr, y_tr, x_te, y_te, n_classes, info)


# ----------------------------------------------------------------------------- datasets

def _subsample(n_total: int, size: int | None, rng: np.random.Generator, what: str) -> np.ndarray:
    if size is None:
        return np.arange(n_total)
    _check_count(size, what)
    if not 1 <= size <= n_total:
        raise ValueError(f"{what} must be in [1, {n_total}], got {size}")
    return np.sort(rng.permutation(n_total)[:size])


def load_dataset(name: str, data_dir: str | os.PathLike | None = None, *,
                 train_size: int | None = None, test_size: int | None = None,
                 seed: int = 0) -> Dataset:
    """One of DATASETS as +-1 inputs.

    ``seed`` fixes the data, independently of the model's seed: the projection matrix, the
    train/test split of an unsplit collection (test = first ``test_size`` (default 1000) of a
    seeded permutation, train = the next ``train_size``), the subsamples of a split one, and
    the prototypes. Sizes default to everything available.
    """
    if name not in DATASETS:
        raise ValueError(f"name must be one of {DATASETS}, got {name!r}")
    for size, what in ((train_size, "train_size"), (test_size, "test_size")):
        if size is not None:
            _check_count(size, what)
    split_seq, proj_seq, proto_seq = np.random.SeedSequence(seed).spawn(3)
    if name == "prototypes":
        try:
            return prototypes(n_train=2000 if train_size is None else train_size,
                              n_test=1000 if test_size is None else test_size,
                              rng=np.random.default_rng(proto_seq))
        except ValueError as exc:  # name the caller's parameters
            raise ValueError(str(exc).replace("n_train", "train_size")
                             .replace("n_test", "test_size")) from None
    raw = load_images("fashion-mnist" if name == "fashion-mnist" else "mnist", data_dir)
    split_rng = np.random.default_rng(split_seq)
    if raw.test_images is None:
        n = len(raw.train_images)
        n_test = 1000 if test_size is None else test_size
        if not 1 <= n_test < n:
            raise ValueError(f"test_size must be in [1, {n - 1}], got {n_test}")
        n_train = n - n_test if train_size is None else train_size
        if not 1 <= n_train <= n - n_test:
            raise ValueError(f"train_size must be in [1, {n - n_test}], got {n_train}")
        order = split_rng.permutation(n)
        te, tr = order[:n_test], order[n_test:n_test + n_train]
        tr_img, tr_lab = raw.train_images[tr], raw.train_labels[tr]
        te_img, te_lab = raw.train_images[te], raw.train_labels[te]
        split = f"seeded split of {n} (seed {seed})"
    else:
        tr = _subsample(len(raw.train_images), train_size, split_rng, "train_size")
        te = _subsample(len(raw.test_images), test_size, split_rng, "test_size")
        tr_img, tr_lab = raw.train_images[tr], raw.train_labels[tr]
        te_img, te_lab = raw.test_images[te], raw.test_labels[te]
        split = "standard train/test files"
    n_pixels = int(np.prod(tr_img.shape[1:]))
    n_out = 100 if name == "entangled-mnist" else n_pixels
    matrix = projection_matrix(n_pixels, n_out, np.random.default_rng(proj_seq))
    n_classes = int(max(tr_lab.max(), te_lab.max())) + 1
    info = {"directory": str(raw.directory), "split": split, "data_seed": seed,
            "projection": f"sign(pixels/255 @ N(0,1) {n_pixels}x{n_out})"}
    return Dataset(name, sign_projection(tr_img, matrix), tr_lab,
                   sign_projection(te_img, matrix), te_lab, n_classes, info)
