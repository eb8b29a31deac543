#pragma once
// The CF conventions' description of a CRS (CF-1.8 section 5.6 and appendix F): a
// grid_mapping_name and its parameters, for every projection CF defines that a GIS CRS maps
// to. The table follows the one GDAL's netCDF driver writes (frmts/netcdf), from the CRS's
// WKT1 projection and parameters, so a file of ours and one of `gdal_translate -of netCDF`
// describe a CRS alike (tests/python/test_cf_conventions.py compares them). Internal to the
// grid file writer.
#include <string>
#include <utility>
#include <vector>

#include <ogr_spatialref.h>

namespace minerisk {

struct CfGridMapping {
  std::string name;  // grid_mapping_name; empty when CF has no name for the projection
  std::vector<std::pair<std::string, std::vector<double>>> parameters;  // standard_parallel has two
  std::vector<std::pair<std::string, std::string>> text_parameters;     // geostationary's sweep axis
};

/// The CF grid mapping of `srs`: the ellipsoid (semi_major_axis, inverse_flattening or
/// earth_radius for a sphere, longitude_of_prime_meridian) and, for a geographic CRS or one of
/// CF's projections, its name and parameters. CRSs CF cannot name (oblique stereographic,
/// equirectangular, rotated grids...) get the ellipsoid only; crs_wkt describes them fully.
CfGridMapping cf_grid_mapping(const OGRSpatialReference& srs);

}  // namespace minerisk
