"""The Python snippets of the top-level README.md run as written."""

import pathlib
import re

import numpy as np

import glassbox

README = pathlib.Path(__file__).resolve().parents[3] / "README.md"


def python_blocks():
    text = README.read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_has_python_snippets():
    assert python_blocks(), "README.md has no ```python blocks"


def test_readme_snippets_run(capsys):
    for block in python_blocks():
        exec(compile(block, str(README), "exec"), {})
    out = capsys.readouterr().out
    assert "-1.56576893" in out  # the exact 4×4 energy printed by the snippet


def test_kaufman_matches_enumeration():
    t = [1.5, 2.269, 3.5]
    k = glassbox.kaufman(4, 4, t)
    e = glassbox.enumerate(glassbox.Model.lattice([4, 4]), t)
    np.testing.assert_allclose(k["energy"], e["energy"], rtol=1e-10)
    np.testing.assert_allclose(k["specific_heat"], e["specific_heat"], rtol=1e-10)
    big = glassbox.kaufman(128, 128, [2.269])
    np.testing.assert_allclose(big["energy"], [-1.41954597340688], rtol=1e-10)
