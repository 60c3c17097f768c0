import itertools

import numpy as np
import pytest


def all_states(n):
    """All 2^n configurations of ±1 spins as an int8 array of shape (2^n, n)."""
    return np.array(list(itertools.product((-1, 1), repeat=n)), dtype=np.int8)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
