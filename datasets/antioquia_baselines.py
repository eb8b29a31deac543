"""The baselines datasets/validate_antioquia.py prints beside minerisk, each fitted on the same
training municipalities and scored on the same held-out cells: the no-fit nearest-label rule,
scikit-learn's logistic regression and gradient boosting on the grid's columns."""
import warnings

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import BallTree
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from antioquia_grid import read

EARTH_RADIUS_M = 6371008.8  # mean radius: the nearest-label rule's distances are great-circle metres

def unit_sphere_radians(lon, lat):
    """[latitude, longitude] in radians, the order BallTree's haversine metric takes."""
    return np.radians(np.column_stack([lat, lon]))


def nearest_distance_m(from_lonlat, to_lonlat):
    """Great-circle metres from each `from` point to the nearest `to` point (inf if there is none)."""
    if len(to_lonlat[0]) == 0:
        return np.full(len(from_lonlat[0]), np.inf)
    tree = BallTree(unit_sphere_radians(*to_lonlat), metric="haversine")
    distance, _ = tree.query(unit_sphere_radians(*from_lonlat), k=1)
    return distance[:, 0] * EARTH_RADIUS_M


def nearest_label_scores(train_lonlat, train_label, test_lonlat):
    """The no-fit rule: log1p(m to the nearest training negative) - log1p(m to the nearest positive)."""
    lon, lat = train_lonlat
    positive, negative = train_label == 1, train_label == 0
    to_negative = nearest_distance_m(test_lonlat, (lon[negative], lat[negative]))
    to_positive = nearest_distance_m(test_lonlat, (lon[positive], lat[positive]))
    return np.log1p(to_negative) - np.log1p(to_positive)


def logistic_scores(x_train, y_train, x_test):
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the ranking is what is scored
        model.fit(x_train, y_train)
    return model.decision_function(x_test)


def boosting_scores(x_train, y_train, x_test):
    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=0)
    # One OpenMP thread: on a few thousand rows threads gain little, and on a busy machine their
    # spin-waiting made each fit 8 times slower (7 s instead of 0.9 s, measured on 2 cores).
    with threadpool_limits(1, "openmp"):
        model.fit(x_train, y_train)
    return model.predict_proba(x_test)[:, 1]


class Cells:
    """The labelled cells as a table: label, municipality, centre and one column per input."""

    def __init__(self, grid, inputs):
        self.rows, self.cols = np.nonzero(grid.labelled())
        self.label = grid.label[self.rows, self.cols]
        self.municipality = grid.municipality[self.rows, self.cols]
        self.lonlat = grid.centres(self.rows, self.cols)
        self.x = np.column_stack([read(item.path)[0][self.rows, self.cols] for item in inputs])
        self.names = [item.name for item in inputs]

    def lonlat_of(self, mask):
        return self.lonlat[0][mask], self.lonlat[1][mask]


def baseline_fold(cells, code):
    """{baseline name: scores of municipality `code`'s cells}, trained on the others."""
    train, test = cells.municipality != code, cells.municipality == code
    y = cells.label[train]
    return {
        "nearest-label rule (no fit)": nearest_label_scores(cells.lonlat_of(train), y, cells.lonlat_of(test)),
        "scikit-learn logistic regression": logistic_scores(cells.x[train], y, cells.x[test]),
        "scikit-learn gradient boosting": boosting_scores(cells.x[train], y, cells.x[test]),
    }
