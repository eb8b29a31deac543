"""The plots as a person sees them: the capture curve of `evaluate` and the learned curves of
`fit --curves` are drawn where their data say, inside frames with tick labels and titles.

Each plot's frame is found in the picture (the long dark lines around a plot area), and the
curve's pixels (red for the capture curve, blue for the learned curves) are checked against the
numbers of the JSON report written beside the picture, both ways: every point of the data has
the curve's colour near it, and every pixel of that colour inside the frame lies near the data's
line. The text itself is checked in tests/cpp/test_plots.cpp (pdftotext on the same drawing)."""
import json

import numpy as np
from osgeo import gdal

from conftest import run_minerisk, scenario_text


def rgb(path):
    ds = gdal.Open(str(path))
    assert ds.GetDriver().ShortName == "PNG"
    return np.stack([ds.GetRasterBand(b + 1).ReadAsArray() for b in range(3)], axis=-1).astype(int)


def frames(picture, min_length=100):
    """The plot areas: (top, bottom, left, right) pixel rows and columns of each frame, in reading
    order. A frame is four dark straight lines one pixel wide (tick marks may stick out of it)."""
    dark = picture.max(axis=-1) < 90
    runs = []  # (row, first column, last column) of every long dark horizontal run
    for row in range(dark.shape[0]):
        cols = np.flatnonzero(dark[row])
        if cols.size < min_length:
            continue
        breaks = np.flatnonzero(np.diff(cols) > 1)
        for start, end in zip(np.r_[0, breaks + 1], np.r_[breaks, cols.size - 1]):
            if cols[end] - cols[start] + 1 >= min_length:
                runs.append((row, cols[start], cols[end]))
    found = []
    for i, (top, a0, a1) in enumerate(runs):
        for bottom, b0, b1 in runs[i + 1:]:
            lo, hi = max(a0, b0), min(a1, b1)
            if bottom - top < 40 or hi - lo < min_length:
                continue
            sides = [c for c in range(lo, hi + 1) if dark[top:bottom + 1, c].all()]
            if len(sides) >= 2 and sides[-1] - sides[0] >= min_length:
                found.append((top, bottom, sides[0], sides[-1]))
                break
    return sorted(found)


def check_line(mask, frame, xs, ys, x_range, y_range, tolerance=3.0, dots=(), dot_radius=0.0):
    """The coloured pixels `mask` inside `frame` follow the polyline (xs, ys) in data units; pixels
    within `dot_radius` pixels of a dot (x, y in data units) are the dot's."""
    top, bottom, left, right = frame
    to_col = lambda x: left + (x - x_range[0]) / (x_range[1] - x_range[0]) * (right - left)  # noqa: E731
    to_row = lambda y: bottom - (y - y_range[0]) / (y_range[1] - y_range[0]) * (bottom - top)  # noqa: E731
    cols, rows = to_col(np.asarray(xs, float)), to_row(np.asarray(ys, float))
    # Every data point has the colour within a few pixels.
    for c, r in zip(cols, rows):
        r0, c0 = int(round(r)), int(round(c))
        window = mask[max(top, r0 - 3):min(bottom, r0 + 3) + 1, max(left, c0 - 3):min(right, c0 + 3) + 1]
        assert window.any(), f"no curve pixel near data point at column {c:.1f}, row {r:.1f}"
    # Every pixel of the colour in the plot area is within `tolerance` pixels of the line.
    dense = np.linspace(0, 1, 400)
    px = np.concatenate([c0 + dense * (c1 - c0) for c0, c1 in zip(cols[:-1], cols[1:])])
    py = np.concatenate([r0 + dense * (r1 - r0) for r0, r1 in zip(rows[:-1], rows[1:])])
    rr, cc = np.nonzero(mask[top + 1:bottom, left + 1:right])
    rr, cc = rr + top + 1, cc + left + 1
    assert rr.size > 0.8 * (right - left), "the curve is missing"
    dot_cols = np.array([to_col(x) for x, _ in dots]) if dots else np.zeros(0)
    dot_rows = np.array([to_row(y) for _, y in dots]) if dots else np.zeros(0)
    for r, c in zip(rr, cc):
        if dot_cols.size and np.hypot(dot_cols - c, dot_rows - r).min() <= dot_radius:
            continue
        assert np.hypot(px - c, py - r).min() <= tolerance, f"a curve pixel at ({r}, {c}) is off the data's line"


def test_capture_curve_is_drawn_where_the_evaluation_says(region, tmp_path):
    grid = tmp_path / "out.nc"
    assert run_minerisk("run", region / "scenario.toml", "-o", grid, "-q", "--no-picture").returncode == 0
    report = tmp_path / "evaluation.json"
    r = run_minerisk("evaluate", grid, "--truth", region / "region.gpkg", "--layer", "finds", "-o", report, "-q")
    assert r.returncode == 0, r.stderr
    result = json.loads(report.read_text())
    picture = rgb(report.with_suffix(".png"))
    assert 480 <= picture.shape[1] <= 600 and 500 <= picture.shape[0] <= 620  # about the old 520 x 540
    found = frames(picture)
    assert len(found) == 1, found
    top, bottom, left, right = found[0]
    assert abs((bottom - top) - (right - left)) <= 1  # square: the random ranking is at 45 degrees
    red = (picture[..., 0] > 150) & (picture[..., 1] < 110) & (picture[..., 2] < 110)
    curve = result["capture_curve_percent_area"]
    # The dot at 10 % of the area (2.6 points, 5.2 pixels, across the line).
    check_line(red, found[0], np.arange(len(curve)) / (len(curve) - 1), curve, (0, 1), (0, 1),
               dots=[(0.10, result["capture_at_area"]["10%"])], dot_radius=7)
    # The random ranking: grey dashes along the diagonal.
    grey = (np.abs(picture[..., 0] - 150) < 25) & (np.ptp(picture, axis=-1) < 12)
    on_diagonal = [grey[bottom - k - 2:bottom - k + 3, left + k - 2:left + k + 3].any()
                   for k in range(5, right - left - 5)]
    assert np.mean(on_diagonal) > 0.45
    # Tick labels under the frame and text above it (title, figures): ink outside the plot area.
    ink = picture.max(axis=-1) < 120
    assert ink[bottom + 8:bottom + 30, left - 10:right + 10].sum() > 200
    assert ink[:top - 10].sum() > 500
    assert ink[top:bottom, :left - 6].sum() > 300  # y tick labels and the axis title


def test_learned_curves_are_drawn_where_the_fit_says(region, tmp_path, write_scenario):
    s = write_scenario(scenario_text(region) + "\n[fit]\nblock_size = 1500\nbackground_ratio = 2\n")
    r = run_minerisk("fit", s, "-o", tmp_path / "fitted.toml", "--report", tmp_path / "fit.json", "--knots", "4",
                     "--curves", tmp_path / "curves.png", "-q")
    assert r.returncode == 0, r.stderr
    curves = json.loads((tmp_path / "fit.json").read_text())["learned_curves"]
    picture = rgb(tmp_path / "curves.png")
    found = frames(picture)
    assert len(found) == len(curves) == 4, found
    # Three across, in the report's order.
    assert found[0][0] == found[1][0] == found[2][0] < found[3][0] and found[0][2] == found[3][2]
    blue = (picture[..., 2] > 120) & (picture[..., 0] < 110) & (picture[..., 2] - picture[..., 0] > 60)
    for frame, c in zip(found, curves):
        y = np.asarray(c["contribution"])
        lo, hi = min(0.0, y.min()), max(0.0, y.max())
        pad = 0.06 * (hi - lo)
        check_line(blue, frame, c["x"], y, (c["x"][0], c["x"][-1]), (lo - pad, hi + pad),
                   dots=list(zip(c["x"], y)), dot_radius=6)  # a dot of 2 points (4 pixels) at each knot
