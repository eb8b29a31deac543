"""The model of bench/mpi_scaling.py (bench/mpi_model.py) against cases worked out by hand.

The simulation hands tiles out in plan order to the first free rank (ties to the lowest) and has one
serial writer appending computed tiles in order of arrival; fixed costs are added to its tiles stage.
Each case below is small enough to follow on paper; the expected numbers are derived in the comments.
"""
import math
import sys

import numpy as np
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import mpi_model as model  # noqa: E402


def row(rows, ranks):
    return next(r for r in rows if r["ranks"] == ranks)


def test_equal_tiles_and_a_free_writer_scale_with_the_ranks():
    # n tiles of 1 s on R ranks: ceil(n / R) waves of 1 s; with n >> R that is n / R, speed-up R.
    n = 3000
    for ranks in (1, 2, 4, 16, 64):
        stage, busy = model.simulate(np.ones(n), ranks, 0.0)
        assert stage == math.ceil(n / ranks) and busy == 0.0
        assert n / stage == pytest.approx(ranks, rel=0.01)
    # 4096 tiles divide evenly among every modelled R: the speed-up is R exactly, bound by compute.
    rows = model.model_rows(np.ones(4096), 0.0, 0.0)
    for r in rows:
        assert r["speedup"] == pytest.approx(r["ranks"]) and r["eff"] == pytest.approx(1.0)
        assert r["limit"] == "compute" and not r["saturated"] and r["writer"] == 0.0


def test_one_huge_tile_bounds_the_wall_from_below():
    # A 100 s tile first, then 50 tiles of 1 s, append 0.01 s. With many ranks the 50 small ones are
    # computed and appended by t = 1.5; the huge one arrives at 100 and is appended by 100.01.
    costs = np.array([100.0] + [1.0] * 50)
    stage, _ = model.simulate(costs, 64, 0.01)
    assert stage == pytest.approx(100.01)
    rows = model.model_rows(costs, 0.01, 2.0)
    for r in rows:
        assert r["stage"] >= 100.01 - 1e-9 and r["wall"] >= 102.01 - 1e-9
    for r in rows[1:]:  # from R = 2 on, 150 s / R < 100.01 s: the huge tile is the bound
        assert r["limit"] == "largest tile"
    # The same tile last in the plan, on 2 ranks: stretches 0-25 and 26-50. Rank 1 computes its 24
    # small ones (0..24), then the huge one (24..124); rank 0 its 26 (0..26), and then finds no
    # tile left: 124 s, and its append. The bound is a lower bound, not the answer.
    stage, _ = model.simulate(np.array([1.0] * 50 + [100.0]), 2, 0.01)
    assert stage == pytest.approx(124.01)


def test_a_slow_writer_saturates_and_the_model_says_so():
    # 100 tiles of 1 s, append w = 0.5 s > mean / R = 0.25 s on 4 ranks. Tiles arrive 4 at a time at
    # t = 1, 2, ..., 25; the writer, busy from t = 1 on, never catches up: 1 + 100 x 0.5 = 51 s.
    costs = np.ones(100)
    stage, busy = model.simulate(costs, 4, 0.5)
    assert stage == pytest.approx(51.0) and busy == pytest.approx(50.0)
    assert stage >= len(costs) * 0.5
    assert model.saturation(costs, 0.5) == pytest.approx(2.0)  # mean 1 s / 0.5 s
    rows = model.model_rows(costs, 0.5, 0.0)
    assert not row(rows, 1)["saturated"]  # 50 s of appends < 100 s of compute on 1 rank
    for r in rows[2:]:  # R >= 4
        assert r["saturated"] and r["limit"] == "writer"
        assert r["stage"] >= 50.0 and r["writer"] > 0.95


def test_each_rank_its_stretch_then_the_far_end_of_the_longest():
    # [4, 1, 1, 1, 1] on 2 ranks: stretches [4, 1, 1] and [1, 1]. Rank 0 takes the 4 (0..4); rank 1
    # its two 1s (0..1, 1..2), then the last two of rank 0's stretch from its end (2..3, 3..4):
    # 4 s. With appends of 0.5 s, arrivals 1, 2, 3, 4, 4: writer done at 1.5, 2.5, 3.5, 4.5, 5.0.
    costs = np.array([4.0, 1.0, 1.0, 1.0, 1.0])
    assert model.simulate(costs, 2, 0.0) == (4.0, 0.0)
    stage, busy = model.simulate(costs, 2, 0.5)
    assert stage == pytest.approx(5.0) and busy == pytest.approx(2.5)
    assert model.simulate(costs, 1, 0.0)[0] == 8.0  # one rank does all, in turn
    # [1, 1, 4, 1, 1]: stretches [1, 1, 4] and [1, 1]. Both ranks do two 1s (0..2); then rank 0
    # takes its 4 (2..6) and rank 1 finds nothing left: 6 s, where the longest-first order would
    # give 4 s. The balancer keeps each rank's stretch together and does not reorder the plan.
    assert model.simulate(np.array([1.0, 1.0, 4.0, 1.0, 1.0]), 2, 0.0)[0] == 6.0


def test_fixed_costs_are_added_once():
    # [4, 1, 1, 1, 1] and 3 s of fixed costs: 8 + 3 = 11 s on 1 rank, 4 + 3 = 7 s on 2 or more.
    costs = np.array([4.0, 1.0, 1.0, 1.0, 1.0])
    rows = model.model_rows(costs, 0.0, 3.0)
    assert row(rows, 1)["wall"] == 11.0
    for r in rows[1:]:
        assert r["wall"] == 7.0 and r["stage"] == 4.0
        assert r["speedup"] == pytest.approx(11.0 / 7.0) and r["fixed_share"] == pytest.approx(3.0 / 7.0)
        assert r["stage_speedup"] == pytest.approx(2.0)  # the tiles stage alone: 8 s / 4 s
    # Any fixed cost shifts every R's wall by itself, whatever R.
    bare = model.model_rows(costs, 0.1, 0.0)
    for a, b in zip(bare, model.model_rows(costs, 0.1, 7.5)):
        assert b["wall"] - a["wall"] == pytest.approx(7.5) and b["stage"] == a["stage"]


def test_the_country_is_resampled_the_same_every_time():
    costs = np.array([0.1, 0.2, 0.7])
    first, second = model.resample_country(costs), model.resample_country(costs)
    assert len(first) == round(1.4e9 / 512 ** 2) == 5341
    assert np.array_equal(first, second) and set(first) <= set(costs)


def test_the_assumptions_name_the_writers_core():
    text = " ".join(model.assumptions(1e6, "sample"))
    assert "core of its own" in text and "`--bind-to none`" in text
