"""datasets/import_antioquia.py on the real RELand grid: every CSV value read back from the rasters at
its cell centre, labels, municipalities, the README's counts, no-data outside, CRS, determinism and
the one-line errors. The real-data tests are skipped when the shared CSV is absent (a fresh clone
does not have it); the blank-cell and error tests use small CSVs written here and always run."""
import csv
import hashlib
import json
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from osgeo import gdal, ogr

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "datasets" / "import_antioquia.py"
CSV_PATH = ROOT.parent / "shared" / "data" / "reland-antioquia" / "antioquia_grid.csv"

sys.path.insert(0, str(ROOT / "datasets"))
sys.path.insert(0, str(ROOT / "tests" / "python"))
import antioquia_synthetic  # noqa: E402
import import_antioquia  # noqa: E402


def require_csv():
    if not CSV_PATH.is_file():
        pytest.skip(f"the RELand CSV is not at {CSV_PATH}")

gdal.UseExceptions()
ogr.UseExceptions()

NOT_FEATURES = {"LATITUD_Y", "LONGITUD_X", "geometry", "Municipio", "mines_outcome"}
SPACING = 0.00897436  # the README's, to its 8 decimals


def run_importer(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def source():
    """The CSV parsed here, independently of the importer: header and columns as text."""
    require_csv()
    with open(CSV_PATH, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    columns = {name: [row[i] for row in rows] for i, name in enumerate(header)}
    return {
        "header": header,
        "columns": columns,
        "lat": np.array(columns["LATITUD_Y"], dtype=np.float64),
        "lon": np.array(columns["LONGITUD_X"], dtype=np.float64),
        "label": np.array(columns["mines_outcome"], dtype=np.int64),
    }


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The importer run as a script with its default CSV path; returns (output folder, process)."""
    require_csv()
    out = tmp_path_factory.mktemp("antioquia")
    done = run_importer("--out", out)
    assert done.returncode == 0, done.stderr
    return out, done


@pytest.fixture(scope="module")
def manifest(imported):
    return json.loads((imported[0] / "manifest.json").read_text(encoding="utf-8"))


def rasters(out):
    return sorted(out.glob("*.tif")) + sorted((out / "features").glob("*.tif"))


def read(path):
    """(array as float64, nodata value, geotransform)."""
    dataset = gdal.Open(str(path))
    band = dataset.GetRasterBand(1)
    return band.ReadAsArray().astype(np.float64), band.GetNoDataValue(), dataset.GetGeoTransform()


@pytest.fixture(scope="module")
def pixels(imported, source):
    """(row, col) of each CSV row: its centre through the inverse geotransform of label.tif."""
    _, _, geotransform = read(imported[0] / "label.tif")
    inverse = gdal.InvGeoTransform(geotransform)
    x = inverse[0] + inverse[1] * source["lon"] + inverse[2] * source["lat"]
    y = inverse[3] + inverse[4] * source["lon"] + inverse[5] * source["lat"]
    # A cell centre lands half-way across its pixel, not near an edge where rounding could flip it.
    assert np.abs(x - np.floor(x) - 0.5).max() < 1e-6
    assert np.abs(y - np.floor(y) - 0.5).max() < 1e-6
    return np.floor(y).astype(int), np.floor(x).astype(int)


def test_importer_runs_and_summarises(imported):
    _, done = imported
    assert done.stderr == ""
    assert "7019 cells of 19 municipalities on a 112 x 104 lattice" in done.stdout


def test_grid_is_the_readme_lattice(imported, source, manifest):
    geotransforms = set()
    for path in rasters(imported[0]):
        dataset = gdal.Open(str(path))
        assert (dataset.RasterXSize, dataset.RasterYSize) == (112, 104), path.name
        geotransforms.add(dataset.GetGeoTransform())
    assert len(geotransforms) == 1
    x0, dx, rx, y0, ry, dy = geotransforms.pop()
    assert (rx, ry) == (0.0, 0.0)
    assert dx == pytest.approx(SPACING, abs=5e-9) and dy == pytest.approx(-SPACING, abs=5e-9)
    # North-up, origin at the corner: the north-west cell's centre is the westmost and northmost centre.
    assert x0 + dx / 2 == pytest.approx(source["lon"].min(), abs=1e-9)
    assert y0 + dy / 2 == pytest.approx(source["lat"].max(), abs=1e-9)
    assert manifest["grid"]["geotransform"] == [x0, dx, rx, y0, ry, dy]
    assert (manifest["grid"]["width"], manifest["grid"]["height"], manifest["grid"]["crs"]) == (112, 104, "EPSG:4326")


def test_every_output_is_epsg_4326(imported):
    out = imported[0]
    for path in rasters(out):
        dataset = gdal.Open(str(path))  # kept: the SRS belongs to the dataset
        srs = dataset.GetSpatialRef()
        assert srs.GetAuthorityName(None) == "EPSG" and srs.GetAuthorityCode(None) == "4326", path.name
    assert 'ID["EPSG",4326]' in gdal.Info(str(out / "label.tif"), format="json")["coordinateSystem"]["wkt"]
    points = ogr.Open(str(out / "points.gpkg"))
    layer_srs = points.GetLayerByName("cells").GetSpatialRef()
    assert layer_srs.GetAuthorityName(None) == "EPSG" and layer_srs.GetAuthorityCode(None) == "4326"


def test_features_are_all_numeric_columns_but_the_identifiers(imported, source, manifest):
    expected = [name for name in source["header"] if name not in NOT_FEATURES]
    assert len(expected) == 62
    assert [entry["column"] for entry in manifest["features"]] == expected
    for entry in manifest["features"]:
        dataset = gdal.Open(str(imported[0] / entry["file"]))
        band = dataset.GetRasterBand(1)
        assert band.DataType == gdal.GDT_Float32
        assert band.GetDescription() == entry["column"]
    assert len(list((imported[0] / "features").glob("*.tif"))) == 62


def test_every_csv_value_reads_back_at_its_cell_centre(imported, source, manifest, pixels):
    rows, cols = pixels
    for entry in manifest["features"]:
        values, nodata, _ = read(imported[0] / entry["file"])
        assert math.isnan(nodata)
        expected = np.array(source["columns"][entry["column"]], dtype=np.float64).astype(np.float32)
        np.testing.assert_array_equal(values[rows, cols], expected, err_msg=entry["column"])


def test_label_matches_mines_outcome(imported, source, pixels):
    values, nodata, _ = read(imported[0] / "label.tif")
    assert math.isnan(nodata)
    at_cells = values[pixels]
    label = source["label"]
    assert (at_cells[label == 1] == 1).all()
    assert (at_cells[label == 0] == 0).all()
    assert np.isnan(at_cells[label == -1]).all()


def test_municipality_codes_match(imported, source, pixels):
    with open(imported[0] / "municipalities.csv", encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    names = [entry["name"] for entry in table]
    assert names == sorted(set(source["columns"]["Municipio"]))
    assert [int(entry["code"]) for entry in table] == list(range(1, 20))
    code_of = {entry["name"]: int(entry["code"]) for entry in table}
    values, nodata, _ = read(imported[0] / "municipality.tif")
    assert nodata == 0
    expected = [code_of[name] for name in source["columns"]["Municipio"]]
    np.testing.assert_array_equal(values[pixels], expected)
    for entry in table:
        assert int(entry["cells"]) == (values == int(entry["code"])).sum()


def test_counts_match_the_readme(imported, manifest):
    assert manifest["counts"] == {"cells": 7019, "positive": 1132, "negative": 3357, "unknown": 2530,
                                  "municipalities": 19}
    label, _, _ = read(imported[0] / "label.tif")
    municipality, _, _ = read(imported[0] / "municipality.tif")
    assert label.shape == (104, 112)
    assert ((label == 1).sum(), (label == 0).sum()) == (1132, 3357)
    inside = municipality != 0
    assert inside.sum() == 7019
    assert (inside & np.isnan(label)).sum() == 2530
    assert len(np.unique(municipality[inside])) == 19


def test_manifest_describes_the_source(manifest):
    data = CSV_PATH.read_bytes()
    assert manifest["source"] == {"path": str(CSV_PATH.resolve()), "size": len(data),
                                  "sha256": hashlib.sha256(data).hexdigest()}


def test_cells_absent_from_the_csv_are_nodata(imported, pixels):
    in_csv = np.zeros((104, 112), dtype=bool)
    in_csv[pixels] = True
    assert in_csv.sum() == 7019  # no two rows share a cell
    for path in rasters(imported[0]):
        values, nodata, _ = read(path)
        if path.name == "municipality.tif":
            assert (values[~in_csv] == 0).all() and (values[in_csv] != 0).all()
        else:
            assert np.isnan(values[~in_csv]).all(), path.name
            if path.name != "label.tif":  # the CSV has no missing feature values
                assert np.isfinite(values[in_csv]).all(), path.name


def test_points_layer_has_one_point_per_row(imported, source):
    points = ogr.Open(str(imported[0] / "points.gpkg"))  # kept: the layer belongs to it
    layer = points.GetLayerByName("cells")
    assert layer.GetFeatureCount() == 7019
    municipalities = source["columns"]["Municipio"]
    for i, feature in enumerate(layer):
        point = feature.GetGeometryRef()
        assert point.GetX() == pytest.approx(source["lon"][i], abs=1e-9)
        assert point.GetY() == pytest.approx(source["lat"][i], abs=1e-9)
        assert feature["label"] == source["label"][i]
        assert feature["municipality_name"] == municipalities[i]
    codes = {f["municipality_name"]: f["municipality_code"] for f in layer}
    assert sorted(codes, key=codes.get) == sorted(codes)


def test_output_is_deterministic(imported, tmp_path):
    assert run_importer("--csv", CSV_PATH, "--out", tmp_path).returncode == 0
    first = sorted(p.relative_to(imported[0]) for p in imported[0].rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert first == second
    for name in first:
        assert (imported[0] / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_missing_csv_exits_2_with_one_line(tmp_path):
    missing = tmp_path / "absent.csv"
    done = run_importer("--csv", missing, "--out", tmp_path / "out")
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(f"import_antioquia: CSV not found at {missing}")
    assert not (tmp_path / "out").exists()


def test_an_empty_csv_path_is_named_not_taken_for_the_current_folder(tmp_path):
    done = run_importer("--csv", "", "--out", tmp_path / "out")
    assert done.returncode == 2 and "--csv is empty" in done.stderr and "Is a directory" not in done.stderr


HEADER = "LATITUD_Y,LONGITUD_X,mines_outcome,Municipio,elevation\n"


@pytest.mark.parametrize("text, message", [
    ("LATITUD_Y,LONGITUD_X,Municipio,elevation\n6.0,-75.0,A,1\n6.01,-75.0,A,2\n", "'mines_outcome' is missing"),
    (HEADER + "6.0,-75.0,1,A,1\n6.01,-75.0,0,A,high\n", "'elevation' holds 'high'"),
    (HEADER + "6.0,-75.0,1,A,1\n6.01,-75.0,2,A,2\n", "must be 1, 0 or -1"),
    (HEADER + "6.0,-75.0,1,A,1\n6.01,-75.0,0,A,2\n6.02,-75.0,0,A,2\n6.025,-75.01,0,A,2\n", "off the regular lattice"),
    (HEADER + "6.0,-75.0,1,A,1\n6.01,-75.01,0,A,2\n6.01,-75.01,0,B,3\n", "lines 3 and 4 fall in the same grid cell"),
    (HEADER + "6.0,-75.0,1,A,1\n6.01,-75.0,0,A,2\n", "all rows share one value"),
    (HEADER + "6.0,-75.0,1,A,1\n6.01,-75.01,0,A,2\n6.02,-75.0,0,A,2x\n", "'elevation' holds '2x', not a number"),
    (HEADER + "6.0,-75.0,1,A,1\n6.01,-75.01,0,A,1_000\n", "'elevation' holds '1_000', not a number"),
    (HEADER + "6.0,-75.0,1,A,1\n6.01,-75.01,0,A,\u0663\n", "'elevation' holds '\u0663', not a number"),
    (HEADER + "6.0,-75.0,1,A,1\nNaN,-75.01,0,A,2\n", "line 3: LATITUD_Y is blank"),
    (HEADER + "6.0,-75.0,1,A,1\n6.01,-75.01, ,A,2\n", "line 3: mines_outcome is blank"),
    (HEADER + "6.0,-75.0,1,A,1\n,-75.01,0,A,2\n", "line 3: LATITUD_Y is blank"),
    (HEADER + "6.0,-75.0,1,A,1\n6.01,  ,0,A,2\n", "line 3: LONGITUD_X is blank"),
    (HEADER + "6.0,-75.0,1,A,1\n6.01,-75.01,0, ,2\n", "line 3: Municipio is blank"),
    (HEADER + "6.0,-75.0,1,A,\n6.01,-75.01,0,A, \n", "column 'elevation' is blank in every row"),
    (HEADER.replace("elevation", "elev_X,ELEV_x") + "6.0,-75.0,1,A,1,1\n6.01,-75.01,0,A,2,2\n",
     "columns 'elev_X' and 'ELEV_x' would share the file features/ELEV_x.tif (file names are compared without case)"),
    (HEADER.replace("elevation", "rwi,rwi_missing,RWI_blank") + "6.0,-75.0,1,A,,1,1\n6.01,-75.01,0,A,2,2,2\n",
     "both features/rwi_missing.tif and features/rwi_blank.tif are taken"),
    (HEADER + "89.99,-75.0,1,A,1\n90.0,-75.01,0,A,2\n", "would reach beyond the pole"),
    # RELand's column names hold commas: separated by semicolons, the header splits at them.
    ("LATITUD_Y;LONGITUD_X;mines_outcome;Municipio;No. Victimas, total\n6.0;-75.0;1;A;1\n",
     "the header holds ';' and lacks 'LATITUD_Y': the file is separated by semicolons"),
    (HEADER + "6.0,-75.0,1,A,1\n6.01,-75.01,0,A,2\n6.02,-75.02,0,A,2\n-30.0,10.0,0,A,2\n",
     "cells), mostly empty; line 5 (lat -30.0, lon 10.0) lies farthest from the others"),
])
def test_malformed_csv_exits_2_with_one_line(tmp_path, capsys, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    assert import_antioquia.main(["--csv", str(path), "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert len(captured.err.splitlines()) == 1 and message in captured.err, captured.err
    assert not (tmp_path / "out").exists()


def test_empty_lines_are_skipped_and_nan_text_is_blank(tmp_path):
    """As pandas reads and writes them: an empty line (or one of spaces) holds no row, NaN is a
    missing value."""
    path = tmp_path / "odd.csv"
    path.write_text(HEADER + "6.0,-75.0,1,A,NaN\n\n6.01,-75.01,0,A,2\n \n\t\n\n", encoding="utf-8")
    manifest = import_antioquia.import_grid(path, tmp_path / "out")
    assert manifest["counts"]["cells"] == 2
    assert manifest["blanks"] == [{"column": "elevation", "cells": 1, "flag": "features/elevation_missing.tif"}]


# ---------------------------------------------------------------------------------------------
# Blank feature cells, on a small synthetic grid


@pytest.fixture(scope="module")
def blank_import(tmp_path_factory):
    """A 16 x 16 synthetic grid with blanks in 'rwi' (which has no 'rwi_missing' column) and in
    'population_2020'; returns (output folder, manifest, CSV rows, blank row indices)."""
    folder = tmp_path_factory.mktemp("blanks")
    blanks = {"rwi": [0, 17, 100, 255], "population_2020": [5, 6]}
    rows = antioquia_synthetic.write_region(folder / "grid.csv", blanks=blanks)
    manifest = import_antioquia.import_grid(folder / "grid.csv", folder / "out")
    return folder / "out", manifest, rows, blanks


def cell_of(out, row):
    """(row, col) of a CSV row's cell in the import's rasters."""
    _, _, geotransform = read(out / "label.tif")
    inverse = gdal.InvGeoTransform(geotransform)
    x, y = gdal.ApplyGeoTransform(inverse, float(row["LONGITUD_X"]), float(row["LATITUD_Y"]))
    return int(y), int(x)


def test_blank_cells_are_nan_in_the_feature_raster(blank_import):
    out, _, rows, blanks = blank_import
    values, _, _ = read(out / "features" / "rwi.tif")
    for k, row in enumerate(rows):
        value = values[cell_of(out, row)]
        if k in blanks["rwi"]:
            assert math.isnan(value), k
        else:
            assert value == np.float32(float(row["rwi"])), k


def test_blank_cells_are_flagged_in_their_own_raster(blank_import):
    out, _, rows, blanks = blank_import
    for column, flag_file in (("rwi", "rwi_missing.tif"), ("population_2020", "population_2020_missing.tif")):
        flag, nodata, _ = read(out / "features" / flag_file)
        assert math.isnan(nodata)
        inside = np.zeros(flag.shape, dtype=bool)
        for k, row in enumerate(rows):
            cell = cell_of(out, row)
            inside[cell] = True
            assert flag[cell] == (1 if k in blanks[column] else 0), (column, k)
        assert np.isnan(flag[~inside]).all()
    # Columns without blanks get no flag raster.
    assert sorted(p.name for p in (out / "features").glob("*_missing.tif")) == [
        "population_2020_missing.tif", "rwi_missing.tif"]


def test_manifest_lists_the_columns_with_blanks(blank_import):
    _, manifest, _, blanks = blank_import
    assert manifest["blanks"] == [
        {"column": "population_2020", "cells": 2, "flag": "features/population_2020_missing.tif"},
        {"column": "rwi", "cells": 4, "flag": "features/rwi_missing.tif"},
    ]
    # The flags are not feature columns: the features stay the CSV's columns.
    assert [entry["column"] for entry in manifest["features"]] == list(antioquia_synthetic.BASE_COLUMNS)


def test_a_flag_never_overwrites_a_column_of_the_same_name(tmp_path):
    """The RELand file has 'rwi_missing' beside 'rwi': a blank 'rwi' is flagged in rwi_blank.tif."""
    rows = antioquia_synthetic.write_region(tmp_path / "grid.csv", extra=("rwi_missing",), blanks={"rwi": [3]})
    manifest = import_antioquia.import_grid(tmp_path / "grid.csv", tmp_path / "out")
    assert manifest["blanks"] == [{"column": "rwi", "cells": 1, "flag": "features/rwi_blank.tif"}]
    column, _, _ = read(tmp_path / "out" / "features" / "rwi_missing.tif")
    flag, _, _ = read(tmp_path / "out" / "features" / "rwi_blank.tif")
    assert column[cell_of(tmp_path / "out", rows[0])] == 1  # the CSV's own column, untouched (k % 3 == 0)
    assert flag[cell_of(tmp_path / "out", rows[3])] == 1 and flag[cell_of(tmp_path / "out", rows[0])] == 0


def test_the_summary_names_the_columns_with_blanks(blank_import, tmp_path):
    antioquia_synthetic.write_region(tmp_path / "grid.csv", blanks={"rwi": [1, 2, 3]})
    done = run_importer("--csv", tmp_path / "grid.csv", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "blank feature cells" in done.stdout and "'rwi' 3" in done.stdout
