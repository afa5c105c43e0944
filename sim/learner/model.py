"""The learner's network: hyperparameters and coupling matrices (docs/model.md section 6).

Architecture (arXiv:2509.05041, arXiv:2510.11984): input x in {+-1}^N, hidden layers
s^1..s^L in {+-1}^H, readout y_hat in {+-1}^C. Fields:

    hidden l:  h^l = [l = 1] W_in x + J^l s^l + (inter-layer) + [l = L] lambda_back W_back r(y_hat)
               (``feedback_to="all"``: the feedback term on every hidden layer, same W_back)
    readout:   h^out = W_out s^L + lambda_y y            (label y in {+-1}^C, +1 at the class)

- W_in: N(0, lambda_x^2 / (N rho_in)) on a fixed random support of density rho_in (learned).
- J^l: off-diagonal N(0, 1 / (H rho_J)) on a support of density rho_J (learned); diagonal J_D
  (fixed).
- inter-layer: lam (s^{l-1} + s^{l+1}) one-to-one (fixed), or learned dense matrices
  F^l (from l-1) and G^l (from l+1) initialised N(0, lam^2 / H).
- W_out: N(0, 1/H) (learned). W_back: N(0, 1/C) (fixed), scaled by lambda_back at use.
- r(y_hat): the readout recoded so the active class weighs more, r_c = sqrt(C)/2 where
  y_hat_c = +1 and -1/2 elsewhere.

Every matrix is stored pre-synaptic-major, float32: ``w[j, i]`` is the coupling from
pre-synaptic unit j to post-synaptic unit i, so fields of a batch are ``pre @ w``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

DYNAMICS = ("sync", "async")
INTERLAYER = ("identity", "dense")
FEEDBACK_TO = ("last", "all")


@dataclass(frozen=True)
class LearnerConfig:
    """Hyperparameters of the steering learner.

    Defaults are the reference settings of the authors' code (github.com/mattia-scardecchia/
    Biological-Learning, configs ``baseline_1layer_largeP.yaml`` and ``train.yaml``, read in
    2026) in this toolkit's units, checked on a validation split (8,000 of the 9,000
    Entangled-MNIST training digits, the other 1,000 held out; the test digits unseen):
    ``python -m paper_repro learn-compare --models steer --train-size 9000 --validate 1000
    --hidden 400 --epochs 20 --seeds 0,1,2`` with the flags of each alternative (README,
    "Training the learner"). Learning rates are per coupling in units of the matrix's initial
    scale and the decay is relative to them (sim.learner.plasticity), so the same numbers
    hold at any H, N and lambda_x, as in the authors' code. The decay acts per step, as in
    the authors' code, which uses the same value at 6,000 and 60,000 training digits.
    """

    hidden: int = 1600             # H, width of each hidden layer (authors: 1600)
    layers: int = 1                # L
    jd: float = 0.5                # J_D, self-coupling (authors: J_D = 0.5)
    lambda_x: float = 5.0          # input strength (authors: lambda_input_skip = 5)
    lambda_back: float = 0.9       # feedback strength (authors: lambda_wback = 0.9)
    lambda_y: float = 1000.0       # label clamp on the readout (authors: lambda_y = 1000)
    lambda_layers: float = 1.0     # lam, inter-layer coupling
    interlayer: str = "identity"   # 'identity' (fixed lam) or 'dense' (learned matrices)
    warmup_sweeps: int = 2         # sweeps from zero, no feedback, no label (authors: 2)
    clamped_sweeps: int = 3        # T, label and feedback on (authors: 5 sweeps in all)
    free_sweeps: int = 0           # T, feedback off (authors' published runs: none)
    inference_sweeps: int | None = None  # sweeps after the warm-up at inference (None:
    #                                clamped + free; authors: the same count as training)
    dynamics: str = "sync"         # 'sync' (each neuron with probability p) or 'async'
    update_prob: float = 1.0       # p of the synchronous dynamics (authors: p_update = 1)
    anneal_free: bool = False      # feedback decreased linearly to 0 over the free sweeps
    back_final: float = 1.0        # feedback strength factor reached at the end of training
    eta_final: float = 1.0         # learning-rate factor reached at the end of training
    theta: float = 0.9             # hidden margin: unstable if s h - J_D <= theta (authors)
    theta_out: float = 3.0         # readout margin (authors: 3)
    eta_j: float = 0.005           # rate of J: eta_j / sqrt(H) per coupling (authors: lr_J)
    eta_in: float = 0.03           # rate of W_in: eta_in lambda_x / sqrt(N) per coupling
    #                                (authors: lr_input_skip = 0.03, times lambda_x)
    eta_out: float = 0.1           # rate of W_out: eta_out / sqrt(H) (authors: lr_W = 0.1)
    eta_layers: float = 0.005      # learned inter-layer matrices: eta_layers / sqrt(H)
    decay: float = 0.005           # w <- (1 - decay r) w per step, r the coupling's rate, on
    #                                J, W_out, inter-layer (authors: weight_decay_J/W 0.005)
    decay_in: float = 0.0          # the same on W_in (authors: weight_decay_input_skip = 0)
    batch_size: int = 16           # B (authors: 16)
    density_j: float = 1.0         # sparse connectivity of J (fraction of kept couplings)
    density_in: float = 1.0        # sparse connectivity of W_in
    feedback_to: str = "last"      # 'last' hidden layer (reference) or 'all' hidden layers
    input_flip: float = 0.0        # training inputs: each bit flipped with this probability
    #                                at every presentation (0: the data as given)

    def __post_init__(self) -> None:
        positive_ints = ("hidden", "layers", "warmup_sweeps", "batch_size")
        for name in positive_ints:
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("clamped_sweeps", "free_sweeps"):
            if int(getattr(self, name)) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.inference_sweeps is not None and self.inference_sweeps < 0:
            raise ValueError(f"inference_sweeps must be >= 0, got {self.inference_sweeps}")
        nonneg = ("jd", "lambda_x", "lambda_back", "lambda_y", "lambda_layers", "theta",
                  "theta_out", "eta_j", "eta_in", "eta_out", "eta_layers", "decay",
                  "decay_in", "back_final", "eta_final")
        for name in nonneg:
            value = float(getattr(self, name))
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be finite and >= 0, got {value}")
        if self.dynamics not in DYNAMICS:
            raise ValueError(f"dynamics must be one of {DYNAMICS}, got {self.dynamics!r}")
        if self.interlayer not in INTERLAYER:
            raise ValueError(f"interlayer must be one of {INTERLAYER}, got {self.interlayer!r}")
        if self.feedback_to not in FEEDBACK_TO:
            raise ValueError(f"feedback_to must be one of {FEEDBACK_TO}, got "
                             f"{self.feedback_to!r}")
        if not 0.0 <= float(self.input_flip) < 0.5:
            raise ValueError(f"input_flip must be in [0, 0.5), got {self.input_flip}")
        for name in ("update_prob", "density_j", "density_in"):
            value = float(getattr(self, name))
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        if self.decay * max(self.eta_j, self.eta_out, self.eta_layers) >= 1:
            raise ValueError("decay * eta must be < 1")
        if self.decay_in * self.eta_in * self.lambda_x >= 1:
            raise ValueError("decay_in * eta_in * lambda_x must be < 1")

    @property
    def relax_sweeps(self) -> int:
        """Sweeps after the warm-up at inference."""
        if self.inference_sweeps is None:
            return self.clamped_sweeps + self.free_sweeps
        return self.inference_sweeps

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Network:
    """Coupling matrices of the learner (pre-synaptic-major float32, see module docstring).

    w_in: (N, H); j: L arrays (H, H) with diagonal J_D; forward[l] / backward[l]: dense
    inter-layer matrices into layer l from l-1 / l+1 (None where absent or fixed);
    w_out: (H, C); w_back: (C, H); mask_j / mask_in: float32 0/1 supports (None if dense).
    """

    config: LearnerConfig
    w_in: np.ndarray
    j: list[np.ndarray]
    forward: list[np.ndarray | None]
    backward: list[np.ndarray | None]
    w_out: np.ndarray
    w_back: np.ndarray
    mask_j: list[np.ndarray] | None = None
    mask_in: np.ndarray | None = None

    @property
    def n_inputs(self) -> int:
        return int(self.w_in.shape[0])

    @property
    def n_classes(self) -> int:
        return int(self.w_out.shape[1])

    def coupling_matrix(self, layer: int | None = None) -> np.ndarray:
        """The hidden network in the receiver-first convention of :mod:`sim` (float64).

        ``M[a, b]`` couples sender b to receiver a, so the feedback-free field of the hidden
        neurons is h = M s + (input field), J_D included on the diagonal, and the learner's
        fixed point s = sign(h) is sim's strict s_a h_a > 0 (up to exact ties, sign(0) = +1)
        while its margin s_i h_i > theta + J_D is sim's kappa = theta + J_D.

        layer = l (0-based): J^l as an (H, H) matrix, ``M = w_j[l].T``. layer = None: the
        chain of the L layers as one (L H, L H) matrix, neuron i of layer l at index l H + i:
        diagonal blocks J^l, off-diagonal blocks lambda I (one-to-one, like
        :func:`sim.chain_couplings`) or the learned F^l (from l-1) and G^l (from l+1),
        transposed. The input W_in x and the readout are not part of it: see
        :func:`sim.learner.instance.with_input` for a given input.
        """
        cfg, h = self.config, self.config.hidden
        if layer is not None:
            if not 0 <= layer < cfg.layers:
                raise ValueError(f"layer must be in [0, {cfg.layers}), got {layer}")
            return self.j[layer].T.astype(np.float64)
        m = np.zeros((cfg.layers * h, cfg.layers * h))
        for l in range(cfg.layers):
            rows = slice(l * h, (l + 1) * h)
            m[rows, rows] = self.j[l].T
            for other, mats in ((l - 1, self.forward), (l + 1, self.backward)):
                if 0 <= other < cfg.layers:
                    cols = slice(other * h, (other + 1) * h)
                    m[rows, cols] = (cfg.lambda_layers * np.eye(h) if mats[l] is None
                                     else mats[l].T)
        return m

    def copy(self) -> Network:
        def dup(a):
            return None if a is None else a.copy()
        return Network(self.config, self.w_in.copy(), [a.copy() for a in self.j],
                       [dup(a) for a in self.forward], [dup(a) for a in self.backward],
                       self.w_out.copy(), self.w_back.copy(),
                       None if self.mask_j is None else [m.copy() for m in self.mask_j],
                       dup(self.mask_in))


def _support(shape: tuple[int, int], density: float, rng: np.random.Generator) -> np.ndarray | None:
    if density >= 1.0:
        return None
    return (rng.random(shape) < density).astype(np.float32)


def _gaussian(shape, std, rng, mask=None) -> np.ndarray:
    w = (std * rng.standard_normal(shape)).astype(np.float32)
    if mask is not None:
        w *= mask
    return w


def init_network(config: LearnerConfig, n_inputs: int, n_classes: int, *,
                 rng: np.random.Generator) -> Network:
    """Draw a network with the distributions of the module docstring."""
    if n_inputs < 1:
        raise ValueError(f"n_inputs must be >= 1, got {n_inputs}")
    if n_classes < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes}")
    h, n, c, L = config.hidden, n_inputs, n_classes, config.layers
    mask_in = _support((n, h), config.density_in, rng)
    w_in = _gaussian((n, h), config.lambda_x / math.sqrt(n * config.density_in), rng, mask_in)
    js, masks = [], []
    for _ in range(L):
        mask = _support((h, h), config.density_j, rng)
        if mask is not None:
            np.fill_diagonal(mask, 1.0)
        w = _gaussian((h, h), 1.0 / math.sqrt(h * config.density_j), rng, mask)
        np.fill_diagonal(w, config.jd)
        js.append(w)
        masks.append(mask)
    dense = config.interlayer == "dense"
    std_layers = config.lambda_layers / math.sqrt(h)
    forward = [_gaussian((h, h), std_layers, rng) if dense and l > 0 else None for l in range(L)]
    backward = [_gaussian((h, h), std_layers, rng) if dense and l < L - 1 else None
                for l in range(L)]
    w_out = _gaussian((h, c), 1.0 / math.sqrt(h), rng)
    w_back = _gaussian((c, h), 1.0 / math.sqrt(c), rng)
    return Network(config, w_in, js, forward, backward, w_out, w_back,
                   masks if config.density_j < 1.0 else None, mask_in)


def recode_readout(y_hat: np.ndarray) -> np.ndarray:
    """r(y_hat): sqrt(C)/2 where y_hat = +1, -1/2 elsewhere (float32, same shape)."""
    c = y_hat.shape[-1]
    return np.where(y_hat > 0, np.float32(math.sqrt(c) / 2), np.float32(-0.5)).astype(np.float32)


def labels_pm1(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """(B,) class indices -> (B, C) float32 with +1 at the class and -1 elsewhere."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or (labels.size and (labels.min() < 0 or labels.max() >= n_classes)):
        raise ValueError(f"labels must be a 1-d array of classes in [0, {n_classes})")
    out = -np.ones((len(labels), n_classes), dtype=np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out
