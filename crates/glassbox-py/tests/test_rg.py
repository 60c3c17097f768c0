import numpy as np
import pytest

from glassbox import rg


def test_block_keeps_aligned_and_majority():
    up = np.ones((8, 8), dtype=np.int8)
    assert (rg.block(up, 2) == 1).all()
    assert rg.block(-np.ones((9, 9, 9), dtype=np.int8), 3).shape == (3, 3, 3)
    c = np.ones((6, 6), dtype=np.int8)
    c[:3, 3:] = -1
    c[0, 3] = 1
    assert rg.block(c, 3).tolist() == [[1, -1], [1, 1]]
    # Ties are reproducible from the seed.
    tie = np.array([[1, -1], [-1, 1]], dtype=np.int8)
    assert rg.block(np.tile(tie, (4, 4)), 2, seed=3).tolist() == rg.block(np.tile(tie, (4, 4)), 2, seed=3).tolist()
    with pytest.raises(ValueError, match="multiple"):
        rg.block(np.ones((6, 6), dtype=np.int8), 4)


def test_configurations_and_pca_leading_component_is_uniform():
    t = np.linspace(1.6, 3.0, 8)
    c = rg.configurations((16, 16), t, count=30, seed=2)
    assert c.shape == (8, 30, 16, 16) and c.dtype == np.int8
    p = rg.pca_order(c.reshape(240, -1), t, per=30)
    assert p["uniform_overlap"] > 0.9
    assert p["z"][0] > 0.9 and p["z"][-1] < 0.3
    q = rg.pca(c.reshape(240, -1).astype(float), 2)
    assert q["components"].shape == (2, 256)


def test_mcrg_nu_and_flow():
    r = rg.mcrg(l=16, levels=2, measurements=1500, chains=2, seed=4)
    assert r["nu"].shape == (2,)
    assert abs(r["nu"][0] - 1.0) < 0.15, r
    f = rg.flow((16, 16), [1.8, 3.5], levels=2, measurements=100)
    assert f["g"][0, 2] > 0.9 and f["g"][1, 2] < 0.2
    with pytest.raises(ValueError):
        rg.mcrg(l=30)


def test_latent_order_runs():
    t = np.linspace(1.8, 3.0, 4)
    c = rg.configurations((8, 8), t, count=10, seed=2)
    r = rg.latent_order(c.reshape(40, -1), t, per=10, hidden=8, epochs=3)
    assert r["points"].shape == (4, 10, 2)
    assert len(r["losses"]) == 3


def test_overlap_configurations_feed_the_pipeline():
    t = [0.5, 1.0, 3.0]
    q = rg.overlap_configurations((4, 4, 4), t, samples=2, thermalization=1000, snapshots=20, every=5, seed=3)
    assert q.shape == (3, 40, 4, 4, 4) and q.dtype == np.int8
    again = rg.overlap_configurations((4, 4, 4), t, samples=2, thermalization=1000, snapshots=20, every=5, seed=3)
    assert (q == again).all()
    absq = np.abs(q.reshape(3, 40, -1).mean(axis=2)).mean(axis=1)
    assert absq[0] > 0.6 and absq[0] > absq[2]
    p = rg.pca_order(q.reshape(120, -1), t, per=40)
    assert p["uniform_overlap"] > 0.9
    with pytest.raises(ValueError, match="couplings"):
        rg.overlap_configurations((4, 4, 4), t, couplings="ferro")


def test_rbm_stack_with_l1():
    r = rg.rbm_stack(l=8, hidden=(16, 4), configs=100, epochs=2, l1=1e-3, flow_temperatures=[2.0, 3.0], flow_configs=10)
    assert r["locality"].shape == (2,) and r["fields"][0].shape == (16, 8, 8)
    assert r["g_block"].shape == (2, 3) and r["g_rbm"].shape == (2, 3)
    with pytest.raises(ValueError, match="multiple of 2"):
        rg.rbm_stack(l=6, hidden=(4, 2))
