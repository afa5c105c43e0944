"""Every figure of the gallery produces its PNG and JSON (at tiny sizes here; the quick mode
of the README's main job uses the same code with larger constants), redraws from the JSON
alone, and the command line rejects bad input with a one-line message and exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from paper_repro.cli import main as cli_main
from paper_repro.figures import FIGURES, Context, _thresholds, load, produce

# figure -> tiny replacement of its SIZES["quick"] (every figure module names its sizes
# SIZES = {"quick": ..., "full": ...}; the learning figures are shrunk generically below)
TINY = {
    "complexity": {10: 20, 12: 20},
    "second_moment": {10: 40, 12: 20},
    "pair_overlaps": {"n": 10, "instances": 20},
    "margin_clusters": 2,
    "local_entropy": {"trace_jds": (), "free_jds": (), "jds": (0.5,), "ds": (0.1,),
                      "ys": (1.0,), "n": 10, "instances": 10},
    "accessibility": {"sizes": (60, 120), "runs": 3, "other_n": 60, "other_runs": 2,
                      "jds": np.array([0.3, 1.0])},
    "dynamics_fixed_points": {"n": 80, "runs": 3, "jds": np.array([0.8, 1.2])},
    "chain": {"width": {2: 4, 3: 3}, "instances": 50, "lams": (0.5, 1.0)},
    "dense_neighbourhoods": {"n_enum": 10, "enum_jds": (0.3, 1.0), "instances": 10,
                             "theory_jds": (), "n_alg": 60, "alg_jds": (0.6, 1.0),
                             "runs": {"async": 2, "anneal": 1, "bp": 1}, "ks": (1, 2),
                             "samples": 100},
}
# figures whose sizes live with the figure that owns the shared store
SHARES_SIZES = {"franz_parisi": ("pair_overlaps",),
                "phase_diagram": ("accessibility", "margin_clusters"),
                "self_coupling_sweep": ("accessibility",)}


def _shrink(name: str, monkeypatch) -> None:
    module = load(name)
    if name in TINY:
        monkeypatch.setitem(module.SIZES, "quick", TINY[name])
    if name == "second_moment":
        monkeypatch.setattr(module, "BOOTSTRAP", 20)
    if name in ("phase_diagram", "self_coupling_sweep"):  # J_c takes minutes
        monkeypatch.setattr(_thresholds, "DENSE_THRESHOLD", None)
    for owner in SHARES_SIZES.get(name, ()):
        _shrink(owner, monkeypatch)
    if name not in TINY and hasattr(module, "SIZES"):  # learning figures: tiny data, width
        quick = dict(module.SIZES["quick"])
        for key, value in {"hidden": 24, "train_size": 300, "test_size": 100, "epochs": 1,
                           "seeds": 1, "max_epochs": 2}.items():
            if key in quick:
                quick[key] = value
        for key in ("hiddens", "jds", "lambdas", "alphas", "layers"):
            if key in quick:
                quick[key] = list(quick[key])[:2]
        monkeypatch.setitem(module.SIZES, "quick", quick)


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_writes_png_and_json_and_redraws(name, tmp_path, monkeypatch):
    _shrink(name, monkeypatch)
    ctx = Context(name=name, quick=True, seed=7, runs_dir=tmp_path / "runs", progress=False)
    png, data_path = produce(name, ctx, tmp_path)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads(data_path.read_text())
    assert record["figure"] == name and record["seed"] == 7 and record["quick"] is True
    assert {"summary", "toolkit_version", "parameters", "data", "seconds"} <= set(record)
    png.unlink()
    produce(name, ctx, tmp_path, redraw=True)  # from the JSON alone
    assert png.exists()


def test_enumeration_figure_agrees_with_exact_theory(tmp_path, monkeypatch):
    """complexity at N = 10, 12 (200 instances): enumeration means within 4 SE of the exact
    finite-N first moment at every J_D."""
    monkeypatch.setitem(load("complexity").SIZES, "quick", {10: 200, 12: 200})
    ctx = Context(name="complexity", quick=True, seed=1, runs_dir=tmp_path, progress=False)
    data = json.loads(produce("complexity", ctx, tmp_path)[1].read_text())["data"]
    for k in range(2):
        got, err = np.array(data["annealed"][k]), np.array(data["annealed_err"][k])
        want = np.array(data["theory_finite_n"][k])
        assert np.all(np.abs(got - want) < 4 * err + 1e-12)


def test_cli_errors_are_one_line_with_exit_code_2(capsys):
    assert cli_main(["run", "no_such_figure"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "complexity" in err and "known figures" in err
    with pytest.raises(SystemExit) as exc:
        cli_main(["run", "complexity", "--workers", "0"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exc:
        cli_main(["no-such-command"])
    assert exc.value.code == 2


def test_list_names_every_figure(capsys):
    assert cli_main(["list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == FIGURES



def test_densest_fixed_point_is_the_lexicographic_maximum():
    """The densest FP of dense_neighbourhoods against all distance profiles (brute force);
    the typical profile is the mean over every FP when there are few."""
    from paper_repro.figures.dense_neighbourhoods import REFERENCES, _densest_and_typical
    from sim.clusters import distance_profiles
    from sim.couplings import random_couplings
    from sim.enumeration import enumerate_fixed_points

    rng = np.random.default_rng(3)
    for jd in (0.4, 1.0):
        J = random_couplings(12, jd, rng)
        fps = enumerate_fixed_points(J)
        profiles = distance_profiles(fps)
        best = max(map(tuple, profiles[:, 1:]))
        densest, typical = _densest_and_typical(J, fps, rng)
        assert tuple(densest[1:]) == best
        if len(fps) <= REFERENCES:
            np.testing.assert_allclose(typical, profiles.mean(axis=0))
        else:  # mean over REFERENCES distinct sampled FPs
            assert typical.sum() == pytest.approx(len(fps)) and typical[0] == 1
