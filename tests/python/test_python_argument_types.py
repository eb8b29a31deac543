"""An argument of the wrong type names itself and what it takes, as minerisk's own messages do,
instead of pybind11's whole signature and every value given (a numpy array printed in full)."""
import numpy as np
import pytest

import minerisk


@pytest.mark.parametrize("call, says", [
    (lambda: minerisk.focal(np.zeros((50, 50)), radius="20", cell_size=(1, 1)), "focal(): radius: expected float, got str '20'"),
    (lambda: minerisk.hillshade(np.zeros((5, 5)), azimuth=None, cell_size=(1, 1)), "hillshade(): azimuth: expected float"),
    (lambda: minerisk.tools.slope("dem.tif", "s.tif", threads="2"), "slope(): threads: expected int, got str '2'"),
    (lambda: minerisk.tools.slope(None, "s.tif"), "slope(): dem: expected os.PathLike, got NoneType None"),
    (lambda: minerisk.tools.tri("dem.tif", "t.tif", creation_options="TILED=YES"),
     "tri(): creation_options: expected List[str], got str 'TILED=YES'"),
    (lambda: minerisk.tools.slope("dem.tif", "s.tif", compute_edge=True), "slope() got an unexpected keyword argument 'compute_edge'"),
    (lambda: minerisk.evaluate("g.nc", "t.gpkg", layer=None), "evaluate(): layer: expected str, got NoneType None"),
    (lambda: minerisk.slope(np.zeros((5, 5)), percent="no", cell_size=(1, 1)), "slope(): percent: expected bool, got str 'no'"),
])
def test_a_wrong_type_names_the_argument(call, says):
    with pytest.raises(TypeError) as raised:
        call()
    assert str(raised.value) == says or str(raised.value).startswith(says), str(raised.value)
    assert "Invoked with" not in str(raised.value) and "0., 0." not in str(raised.value)


def test_a_scenarios_options_of_the_wrong_type_are_named(region, tmp_path):
    from conftest import scenario_text
    (tmp_path / "s.toml").write_text(scenario_text(region))
    scenario = minerisk.Scenario.load(tmp_path / "s.toml")
    for call, says in [(lambda: scenario.run(threads="2"), "run(): threads: expected int, got str '2'"),
                       (lambda: scenario.run(tmp_path / "o.nc", tile_size=64.0), "run(): tile_size: expected int, got float"),
                       (lambda: scenario.update(tmp_path / "o.nc", tile_size="64"), "update(): tile_size: expected Optional[int]")]:
        with pytest.raises(TypeError, match=r"^" + says.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
            call()
    assert not (tmp_path / "o.nc").exists()
