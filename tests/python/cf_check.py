"""The CF-1.8 checks that matter for a gridded output, as a checker would make them, read with the
netCDF library itself (netCDF4-python), not with the writer's own HDF5 view.

No CF checker is packaged in Debian (cf-checker and IOOS's compliance-checker come from PyPI
only), so these are written out here, section by section of the CF-1.8 conventions:
- 2.3 names: letters, digits and underscores, starting with a letter;
- 2.5.1 _FillValue and valid_range: of the variable's own type;
- 2.6.1 Conventions: "CF-1.8"; 2.6.2 title, history, source present;
- 3.1 units: on every data and coordinate variable, and understood by UDUNITS (the udunits2
  program, Debian's udunits-bin) where given;
- 3.3 standard_name: from the standard name table (the few names used here);
- 4.1-4.2 coordinate variables: one per dimension of a gridded variable, 1-D over their own
  dimension, strictly monotonic, with axis X or Y and units (degrees_east/north when geographic);
- 5 coordinates attribute: every name is a variable of the group, with dimensions a subset of
  the variable's;
- 5.6 grid mappings: every gridded variable names one with grid_mapping, which exists, has a
  grid_mapping_name of appendix F with that mapping's required parameters, and crs_wkt
  (CF 1.7's well-known text).
check(path) returns the list of errors: empty for a conforming file.
"""
import re
import shutil
import subprocess

import netCDF4
import numpy as np

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
STANDARD_NAMES = {"projection_x_coordinate", "projection_y_coordinate", "longitude", "latitude", "grid_latitude",
                  "grid_longitude"}
# Appendix F: each grid mapping's required parameters (beyond the ellipsoid).
GRID_MAPPINGS = {
    "albers_conical_equal_area": {"standard_parallel", "longitude_of_central_meridian",
                                  "latitude_of_projection_origin", "false_easting", "false_northing"},
    "azimuthal_equidistant": {"longitude_of_projection_origin", "latitude_of_projection_origin", "false_easting",
                              "false_northing"},
    "geostationary": {"perspective_point_height", "longitude_of_projection_origin", "latitude_of_projection_origin",
                      "false_easting", "false_northing"},
    "lambert_azimuthal_equal_area": {"longitude_of_projection_origin", "latitude_of_projection_origin",
                                     "false_easting", "false_northing"},
    "lambert_conformal_conic": {"standard_parallel", "longitude_of_central_meridian",
                                "latitude_of_projection_origin", "false_easting", "false_northing"},
    "lambert_cylindrical_equal_area": {"longitude_of_central_meridian", "false_easting", "false_northing"},
    "latitude_longitude": set(),
    "mercator": {"longitude_of_projection_origin", "false_easting", "false_northing"},
    "orthographic": {"longitude_of_projection_origin", "latitude_of_projection_origin", "false_easting",
                     "false_northing"},
    "polar_stereographic": {"straight_vertical_longitude_from_pole", "latitude_of_projection_origin",
                            "false_easting", "false_northing"},
    "sinusoidal": {"longitude_of_projection_origin", "false_easting", "false_northing"},
    "stereographic": {"longitude_of_projection_origin", "latitude_of_projection_origin",
                      "scale_factor_at_projection_origin", "false_easting", "false_northing"},
    "transverse_mercator": {"scale_factor_at_central_meridian", "longitude_of_central_meridian",
                            "latitude_of_projection_origin", "false_easting", "false_northing"},
}


def udunits_knows(unit):
    """True when UDUNITS-2 parses `unit` (asked through the udunits2 program)."""
    program = shutil.which("udunits2")
    if program is None:
        raise RuntimeError("udunits2 (Debian's udunits-bin) is needed to check units; scripts/setup installs it")
    result = subprocess.run([program, "-H", unit, "-W", ""], capture_output=True, text=True, timeout=30)
    return result.returncode == 0 and "Don't recognize" not in result.stderr + result.stdout


def check_group(group, where, errors, units_seen):
    dims = group.dimensions
    for name, var in group.variables.items():
        label = f"{where}{name}"
        attrs = var.ncattrs()
        if not NAME.match(name):
            errors.append(f"2.3 {label}: not a CF name")
        for a in ("_FillValue", "valid_range"):
            if a in attrs and np.asarray(var.getncattr(a)).dtype != var.dtype:
                errors.append(f"2.5.1 {label}: {a} is not of the variable's type {var.dtype}")
        if "standard_name" in attrs and var.standard_name not in STANDARD_NAMES:
            errors.append(f"3.3 {label}: standard_name {var.standard_name!r} not in the table")
        is_grid_mapping = "grid_mapping_name" in attrs or name == "crs"
        if not is_grid_mapping and "units" not in attrs:
            errors.append(f"3.1 {label}: no units")
        if "units" in attrs:
            units_seen.add(var.units)
        if name in dims:  # a coordinate variable
            if var.dimensions != (name,):
                errors.append(f"4 {label}: a coordinate variable must be 1-D over its own dimension")
            values = var[:].data
            steps = np.diff(values)
            if values.size > 1 and not (np.all(steps > 0) or np.all(steps < 0)):
                errors.append(f"4 {label}: not strictly monotonic")
            if name in ("x", "y") and ("axis" not in attrs or var.axis != name.upper()):
                errors.append(f"4 {label}: axis must be {name.upper()}")
        gridded = len(var.dimensions) >= 2 and var.dimensions[-2:] == ("y", "x")
        if gridded:
            for d in var.dimensions:
                if d not in group.variables and not _in_parents(group, d):
                    errors.append(f"4 {label}: dimension {d} has no coordinate variable")
            if "grid_mapping" not in attrs:
                errors.append(f"5.6 {label}: no grid_mapping")
            elif var.grid_mapping not in group.variables:
                errors.append(f"5.6 {label}: grid_mapping {var.grid_mapping!r} is not a variable of its group")
        if "coordinates" in attrs:
            for c in var.coordinates.split():
                if c not in group.variables:
                    errors.append(f"5 {label}: coordinates names {c!r}, not a variable of its group")
                elif not set(group.variables[c].dimensions) <= set(var.dimensions):
                    errors.append(f"5 {label}: the dimensions of {c!r} are not a subset of its own")
        if is_grid_mapping:
            check_grid_mapping(var, label, errors)
    for sub_name, sub in group.groups.items():
        check_group(sub, f"{where}{sub_name}/", errors, units_seen)


def _in_parents(group, dim):
    parent = group.parent
    while parent is not None:
        if dim in parent.variables:
            return True
        parent = parent.parent
    return False


def check_grid_mapping(var, label, errors):
    attrs = var.ncattrs()
    if "grid_mapping_name" not in attrs:
        errors.append(f"5.6 {label}: a grid mapping variable without grid_mapping_name")
        return
    name = var.grid_mapping_name
    if name not in GRID_MAPPINGS:
        errors.append(f"5.6 {label}: grid_mapping_name {name!r} is not in appendix F")
        return
    missing = GRID_MAPPINGS[name] - set(attrs)
    if name == "polar_stereographic":  # one of the two, by variant
        missing -= {"latitude_of_projection_origin"} if "latitude_of_projection_origin" in attrs else set()
        if not ({"standard_parallel", "scale_factor_at_projection_origin"} & set(attrs)):
            missing.add("standard_parallel or scale_factor_at_projection_origin")
    if name == "lambert_cylindrical_equal_area" and not ({"standard_parallel", "scale_factor_at_projection_origin"}
                                                         & set(attrs)):
        missing.add("standard_parallel or scale_factor_at_projection_origin")
    if missing:
        errors.append(f"5.6 {label}: {name} lacks {sorted(missing)}")
    if "crs_wkt" not in attrs:
        errors.append(f"5.6 {label}: no crs_wkt")
    if not ({"semi_major_axis", "earth_radius"} & set(attrs)):
        errors.append(f"5.6 {label}: no ellipsoid (semi_major_axis or earth_radius)")


def check(path):
    errors, units_seen = [], set()
    with netCDF4.Dataset(str(path)) as ds:
        globals_ = ds.ncattrs()
        if "Conventions" not in globals_ or ds.Conventions != "CF-1.8":
            errors.append("2.6.1 Conventions is not 'CF-1.8'")
        for a in ("title", "history", "source"):
            if a not in globals_:
                errors.append(f"2.6.2 no global attribute {a}")
        check_group(ds, "", errors, units_seen)
    for unit in sorted(units_seen):
        if not udunits_knows(unit):
            errors.append(f"3.1 units {unit!r} is not a UDUNITS unit")
    return errors
