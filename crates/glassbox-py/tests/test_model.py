"""Models: constructors, energies against numpy, conversions to and from other conventions."""

import pickle

import numpy as np
import pytest

import glassbox as gb
from conftest import all_states


def random_couplings(rng, n, density=1.0):
    J = rng.normal(size=(n, n)) * (rng.random((n, n)) < density)
    J = np.triu(J, 1)
    return J + J.T


def numpy_energy(J, h, s):
    s = s.astype(float)
    return -0.5 * np.einsum("...i,ij,...j->...", s, J, s) - s @ h


def test_version():
    assert isinstance(gb.__version__, str) and gb.__version__.count(".") == 2


def test_from_matrix_energy_matches_numpy(rng):
    n = 12
    J, h = random_couplings(rng, n), rng.normal(size=n)
    model = gb.Model.from_matrix(J, h)
    assert model.n == n
    np.testing.assert_array_equal(model.fields, h)
    configs = rng.choice(np.array([-1, 1], dtype=np.int8), size=(50, n))
    expected = numpy_energy(J, h, configs)
    for s, e in zip(configs, expected):
        assert model.energy(s) == pytest.approx(e, abs=1e-10)
    np.testing.assert_allclose(model.energy(configs), expected, atol=1e-10)
    # Lists and other integer dtypes are accepted.
    assert model.energy(configs[0].tolist()) == pytest.approx(expected[0], abs=1e-10)
    assert model.energy(configs[0].astype(np.int64)) == pytest.approx(expected[0], abs=1e-10)
    # Zero field by default.
    assert gb.Model.from_matrix(J).energy(configs[0]) == pytest.approx(
        numpy_energy(J, np.zeros(n), configs[0]), abs=1e-10
    )


def test_from_sparse_equals_from_matrix(rng):
    sp = pytest.importorskip("scipy.sparse")
    n = 30
    J, h = random_couplings(rng, n, density=0.2), rng.normal(size=n)
    dense = gb.Model.from_matrix(J, h)
    for make in (sp.csr_matrix, sp.coo_matrix, sp.csc_matrix, sp.lil_matrix):
        sparse = gb.Model.from_sparse(make(J), h)
        configs = rng.choice(np.array([-1, 1], dtype=np.int8), size=(20, n))
        np.testing.assert_allclose(sparse.energy(configs), dense.energy(configs), atol=1e-10)
        for a, b in zip(sparse.edges(), dense.edges()):
            np.testing.assert_allclose(a, b)
    # from_matrix hands sparse input on; to_sparse / to_matrix round-trip.
    m = gb.Model.from_matrix(sp.csr_matrix(J), h)
    np.testing.assert_allclose(m.to_matrix(), J)
    np.testing.assert_allclose(m.to_sparse().toarray(), J)


def test_from_sparse_rejects_bad_matrices():
    sp = pytest.importorskip("scipy.sparse")
    with pytest.raises(ValueError, match="not symmetric"):
        gb.Model.from_sparse(sp.csr_matrix(np.triu(np.ones((3, 3)), 1)))
    with pytest.raises(ValueError, match="diagonal"):
        gb.Model.from_sparse(sp.csr_matrix(np.eye(3)))
    with pytest.raises(ValueError, match="square"):
        gb.Model.from_sparse(sp.csr_matrix(np.zeros((2, 3))))


def test_from_ising_matches_dwave_energy_on_all_states():
    # D-Wave: E(s) = Σ h_i s_i + Σ J_ij s_i s_j.
    h = {0: 0.5, 1: -1.0, 3: 0.25, 4: 2.0}
    J = {(0, 1): -1.0, (2, 1): 0.75, (1, 3): 1.5, (3, 4): -0.5, (4, 0): 0.3, (0, 2): 1.0}
    n = 5
    model = gb.Model.from_ising(h, J)
    assert model.n == n
    states = all_states(n)
    e_dwave = np.array(
        [
            sum(v * s[i] for i, v in h.items()) + sum(v * s[i] * s[j] for (i, j), v in J.items())
            for s in states.astype(float)
        ]
    )
    np.testing.assert_allclose(model.energy(states), e_dwave, atol=1e-12)
    # h as a list; round trip through to_ising.
    h_list = [h.get(i, 0.0) for i in range(n)]
    np.testing.assert_allclose(gb.Model.from_ising(h_list, J).energy(states), e_dwave, atol=1e-12)
    h2, J2 = model.to_ising()
    np.testing.assert_allclose(gb.Model.from_ising(h2, J2).energy(states), e_dwave, atol=1e-12)


def test_from_ising_rejects_non_integer_variables():
    with pytest.raises(ValueError, match="integers 0..n-1"):
        gb.Model.from_ising({"a": 1.0}, {})
    with pytest.raises(ValueError, match="integers 0..n-1"):
        gb.Model.from_ising({}, {(0, 1.5): 1.0})
    with pytest.raises(ValueError, match="integers 0..n-1"):
        gb.Model.from_ising({-1: 1.0}, {})
    with pytest.raises(ValueError, match="self-coupling"):
        gb.Model.from_ising({}, {(1, 1): 1.0})


def test_qubo_round_trip(rng):
    n = 6
    model = gb.Model.from_matrix(random_couplings(rng, n), rng.normal(size=n))
    Q, offset = model.to_qubo()
    xs = (all_states(n) + 1) // 2
    e_qubo = np.array(
        [sum(q * x[i] * x[j] for (i, j), q in Q.items()) + offset for x in xs.astype(float)]
    )
    np.testing.assert_allclose(e_qubo, model.energy(2 * xs - 1), atol=1e-10)
    back, spin_offset = gb.Model.from_qubo(Q, offset)
    np.testing.assert_allclose(back.energy(2 * xs - 1) + spin_offset, e_qubo, atol=1e-10)
    # A dense QUBO matrix: E = xᵀ Q x.
    Qm = rng.normal(size=(n, n))
    m2, off2 = gb.Model.from_qubo(Qm)
    np.testing.assert_allclose(
        m2.energy(2 * xs - 1) + off2, np.einsum("ki,ij,kj->k", xs, Qm, xs), atol=1e-10
    )


def test_generated_models():
    m = gb.Model.lattice([4, 4])
    assert m.n == 16 and len(m.edges()[0]) == 32
    assert m.energy(np.ones(16, dtype=np.int8)) == -32.0
    assert "lattice 4x4" in repr(m)
    assert len(gb.Model.lattice([4, 4], periodic=False).edges()[0]) == 24
    assert gb.Model.lattice(8).n == 8
    sk = gb.Model.sk(40, seed=3)
    i, j, w = sk.edges()
    assert len(w) == 40 * 39 // 2 and np.all(i < j)
    assert 0.5 < np.var(w) * 40 < 1.5
    np.testing.assert_array_equal(gb.Model.sk(40, seed=3).edges()[2], w)
    assert not np.array_equal(gb.Model.sk(40, seed=4).edges()[2], w)
    rr = gb.Model.random_regular(50, 3, seed=1)
    i, j, w = rr.edges()
    assert np.all(np.bincount(np.concatenate([i, j]), minlength=50) == 3)
    assert set(np.abs(w)) == {1.0}
    er = gb.Model.erdos_renyi(200, 4.0, couplings="gaussian", seed=2)
    assert 300 < len(er.edges()[0]) < 500
    field = gb.Model.complete(5, couplings="ferro", field=np.arange(5.0))
    np.testing.assert_array_equal(field.fields, np.arange(5.0))
    assert gb.Model.lattice([3], field=0.5).fields.tolist() == [0.5] * 3
    mattis = gb.Model.lattice([4, 4], couplings="mattis", seed=5)
    assert gb.enumerate(mattis, [1.0]).ground_energy == -32.0
    toml = gb.Model.from_toml("graph = { kind = 'lattice', dims = [4, 4] }")
    np.testing.assert_array_equal(toml.edges()[2], m.edges()[2])


def test_from_file(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("3 2\n1 2 1.5\n2 3 -1\n")
    m = gb.Model.from_file(path)
    i, j, w = m.edges()
    assert m.n == 3 and i.tolist() == [0, 1] and j.tolist() == [1, 2] and w.tolist() == [1.5, -1]
    m = gb.Model.from_file(str(path), couplings="ferro")
    assert m.edges()[2].tolist() == [1.0, 1.0]
    path.write_text("# comment\n0 1 2\n1 2 3\n")
    assert gb.Model.from_file(path, format="edge_list").edges()[2].tolist() == [2.0, 3.0]


def test_pickle_round_trip(rng):
    m = gb.Model.from_matrix(random_couplings(rng, 5), rng.normal(size=5))
    m2 = pickle.loads(pickle.dumps(m))
    assert repr(m2) == repr(m)
    s = np.ones(5, dtype=np.int8)
    assert m2.energy(s) == m.energy(s)


def test_write_and_read_back(tmp_path):
    m = gb.Model.random_regular(14, 3, couplings="gaussian", seed=5)
    rng = np.random.default_rng(0)
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(20, 14))
    for fmt in ("gset", "edge-list"):
        path = tmp_path / f"g.{fmt}"
        m.write(path, fmt)
        back = gb.Model.from_file(path, format=fmt)
        np.testing.assert_array_equal(back.energy(s), m.energy(s))
