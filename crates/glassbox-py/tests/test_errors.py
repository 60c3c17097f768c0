"""Bad input raises specific Python exceptions with the library's messages."""

import numpy as np
import pytest

import glassbox as gb


@pytest.fixture(scope="module")
def model():
    return gb.Model.lattice([4, 4])


@pytest.mark.parametrize("temps", [[-1.0], [2.0, 0.0], [float("nan")], []])
def test_bad_temperature(model, temps):
    with pytest.raises(ValueError, match="temperature"):
        gb.sample(model, temps, sweeps=10)
    if temps:
        with pytest.raises(ValueError, match="temperature must be finite and positive"):
            gb.enumerate(model, temps)


def test_bad_sample_arguments(model):
    with pytest.raises(ValueError, match="sweeps must be positive"):
        gb.sample(model, [1.0], sweeps=0)
    with pytest.raises(ValueError, match="sweeps must be an integer ≥ 0"):
        gb.sample(model, [1.0], sweeps=-5)
    with pytest.raises(ValueError, match="update rule: unknown variant `glauber-ish`"):
        gb.sample(model, [1.0], rule="glauber-ish")
    with pytest.raises(ValueError, match="site order"):
        gb.sample(model, [1.0], order="spiral")
    with pytest.raises(ValueError, match="measure_every"):
        gb.sample(model, [1.0], sweeps=10, measure_every=0)
    with pytest.raises(TypeError, match="glassbox.Model"):
        gb.sample("not a model", [1.0])


def test_unknown_coupling_law():
    with pytest.raises(ValueError, match="unknown coupling law `spin-ice`.*ferro, pm"):
        gb.Model.lattice([4, 4], couplings="spin-ice")


def test_malformed_graph_file_names_the_line(tmp_path):
    path = tmp_path / "bad.gset"
    path.write_text("3 2\n1 2 1.0\n2 x 1.0\n")
    with pytest.raises(ValueError) as info:
        gb.Model.from_file(path)
    assert f"{path}:3:" in str(info.value) and "bad vertex `x`" in str(info.value)
    path.write_text("3 2\n1 2 1.0\n")
    with pytest.raises(ValueError, match="header announces 2 edges"):
        gb.Model.from_file(path)
    with pytest.raises(FileNotFoundError):
        gb.Model.from_file(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="graph file format"):
        gb.Model.from_file(path, format="mtx")


def test_toml_parse_error_keeps_the_line():
    with pytest.raises(ValueError, match=r"<model spec>:2:"):
        gb.Model.from_toml("seed = 1\ngraph = { kind = 'torus', n = 3 }\n")


def test_absurd_size_raises_memory_error():
    with pytest.raises(MemoryError, match="needs about"):
        gb.Model.sk(10**7)


def test_bad_models():
    with pytest.raises(ValueError, match="not symmetric"):
        gb.Model.from_matrix([[0.0, 1.0], [2.0, 0.0]])
    with pytest.raises(ValueError, match="diagonal"):
        gb.Model.from_matrix(np.eye(2))
    with pytest.raises(ValueError, match="square"):
        gb.Model.from_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="h has 3 entries for 2 spins"):
        gb.Model.from_matrix(np.zeros((2, 2)), h=[1, 2, 3])
    with pytest.raises(ValueError, match="outside 0..3"):
        gb.Model.from_edges(3, [0], [3], [1.0])
    with pytest.raises(ValueError, match="lattice side must be at least 2, got 0"):
        gb.Model.lattice([0])
    with pytest.raises(ValueError, match="at least one spin"):
        gb.Model.from_edges(0, [], [], [])
    with pytest.raises(ValueError, match="N ≤ 30"):
        gb.enumerate(gb.Model.lattice([6, 6]), [1.0])
    with pytest.raises(ValueError, match="seed must be an integer"):
        gb.Model.sk(10, seed=-1)


def test_bad_spins(model):
    with pytest.raises(ValueError, match="configuration has 3 spins, the model 16"):
        model.energy([1, -1, 1])
    with pytest.raises(ValueError, match="spins must be ±1, found 2"):
        model.energy([2] * 16)
    with pytest.raises(ValueError, match="spins must be ±1, found 0"):
        model.energy(np.zeros(16, dtype=np.int8))
    with pytest.raises(ValueError, match="spins must be ±1"):
        gb.quench(model, np.zeros(16))


def test_convergence_error_is_a_runtime_error():
    assert issubclass(gb.ConvergenceError, RuntimeError)
    assert gb.ConvergenceError.__module__ == "glassbox"
