#include "cf_grid_mapping.hpp"

#include <ogr_srs_api.h>

#include <cmath>
#include <cstring>

namespace minerisk {
namespace {

// One CF parameter taken from one WKT1 parameter of the projection.
struct Param {
  const char* cf;
  const char* wkt;
  double fallback;
};

// CF's projections (CF-1.8 appendix F) by their WKT1 name, each with its parameters, in the
// order GDAL's netCDF driver writes them. Polar stereographic and the Lambert conformal conic
// with one standard parallel need more than a table (below).
struct Projection {
  const char* wkt;
  const char* cf;
  std::vector<Param> params;
};

const std::vector<Projection>& projections() {
  static const std::vector<Projection> table = {
      {SRS_PT_TRANSVERSE_MERCATOR, "transverse_mercator",
       {{"longitude_of_central_meridian", SRS_PP_CENTRAL_MERIDIAN, 0},
        {"latitude_of_projection_origin", SRS_PP_LATITUDE_OF_ORIGIN, 0},
        {"scale_factor_at_central_meridian", SRS_PP_SCALE_FACTOR, 1}}},
      {SRS_PT_LAMBERT_AZIMUTHAL_EQUAL_AREA, "lambert_azimuthal_equal_area",
       {{"longitude_of_projection_origin", SRS_PP_LONGITUDE_OF_CENTER, 0},
        {"latitude_of_projection_origin", SRS_PP_LATITUDE_OF_CENTER, 0}}},
      {SRS_PT_ALBERS_CONIC_EQUAL_AREA, "albers_conical_equal_area",
       {{"longitude_of_central_meridian", SRS_PP_LONGITUDE_OF_CENTER, 0},
        {"latitude_of_projection_origin", SRS_PP_LATITUDE_OF_CENTER, 0}}},
      {SRS_PT_LAMBERT_CONFORMAL_CONIC_2SP, "lambert_conformal_conic",
       {{"longitude_of_central_meridian", SRS_PP_CENTRAL_MERIDIAN, 0},
        {"latitude_of_projection_origin", SRS_PP_LATITUDE_OF_ORIGIN, 0}}},
      {SRS_PT_AZIMUTHAL_EQUIDISTANT, "azimuthal_equidistant",
       {{"longitude_of_projection_origin", SRS_PP_LONGITUDE_OF_CENTER, 0},
        {"latitude_of_projection_origin", SRS_PP_LATITUDE_OF_CENTER, 0}}},
      {SRS_PT_CYLINDRICAL_EQUAL_AREA, "lambert_cylindrical_equal_area",
       {{"longitude_of_central_meridian", SRS_PP_CENTRAL_MERIDIAN, 0},
        {"standard_parallel", SRS_PP_STANDARD_PARALLEL_1, 0}}},
      {SRS_PT_MERCATOR_1SP, "mercator",
       {{"longitude_of_projection_origin", SRS_PP_CENTRAL_MERIDIAN, 0},
        {"scale_factor_at_projection_origin", SRS_PP_SCALE_FACTOR, 1}}},
      {SRS_PT_MERCATOR_2SP, "mercator",
       {{"longitude_of_projection_origin", SRS_PP_CENTRAL_MERIDIAN, 0},
        {"standard_parallel", SRS_PP_STANDARD_PARALLEL_1, 0}}},
      {SRS_PT_ORTHOGRAPHIC, "orthographic",
       {{"longitude_of_projection_origin", SRS_PP_CENTRAL_MERIDIAN, 0},
        {"latitude_of_projection_origin", SRS_PP_LATITUDE_OF_ORIGIN, 0}}},
      {SRS_PT_STEREOGRAPHIC, "stereographic",
       {{"longitude_of_projection_origin", SRS_PP_CENTRAL_MERIDIAN, 0},
        {"latitude_of_projection_origin", SRS_PP_LATITUDE_OF_ORIGIN, 0},
        {"scale_factor_at_projection_origin", SRS_PP_SCALE_FACTOR, 1}}},
      {SRS_PT_SINUSOIDAL, "sinusoidal", {{"longitude_of_projection_origin", SRS_PP_LONGITUDE_OF_CENTER, 0}}},
  };
  return table;
}

void add(CfGridMapping& m, const char* name, double value) { m.parameters.push_back({name, {value}}); }

// Polar stereographic comes in two variants that WKT1 writes alike: variant A has a scale
// factor at the pole, variant B a latitude of true scale (latitude_of_origin, scale 1).
void polar_stereographic(const OGRSpatialReference& srs, CfGridMapping& m) {
  const double latitude = srs.GetNormProjParm(SRS_PP_LATITUDE_OF_ORIGIN, 90.0);
  const double scale = srs.GetNormProjParm(SRS_PP_SCALE_FACTOR, 1.0);
  m.name = "polar_stereographic";
  if (scale == 1.0 && std::fabs(latitude) != 90.0) {
    add(m, "latitude_of_projection_origin", latitude > 0 ? 90.0 : -90.0);
    add(m, "standard_parallel", latitude);
  } else {
    add(m, "latitude_of_projection_origin", latitude);
    add(m, "scale_factor_at_projection_origin", scale);
  }
  add(m, "straight_vertical_longitude_from_pole", srs.GetNormProjParm(SRS_PP_CENTRAL_MERIDIAN, 0.0));
}

// A geostationary view: CF names the axis the instrument sweeps, which WKT1 keeps only in its
// PROJ extension (+sweep=x; PROJ's default is y).
void geostationary(const OGRSpatialReference& srs, CfGridMapping& m) {
  m.name = "geostationary";
  add(m, "perspective_point_height", srs.GetNormProjParm(SRS_PP_SATELLITE_HEIGHT, 35785831.0));
  add(m, "longitude_of_projection_origin", srs.GetNormProjParm(SRS_PP_CENTRAL_MERIDIAN, 0.0));
  add(m, "latitude_of_projection_origin", 0.0);
  const char* proj4 = srs.GetExtension("PROJCS", "PROJ4", "");
  m.text_parameters.push_back({"sweep_angle_axis", std::strstr(proj4, "+sweep=x") ? "x" : "y"});
}

}  // namespace

CfGridMapping cf_grid_mapping(const OGRSpatialReference& srs_in) {
  CfGridMapping m;
  // CF's Lambert conformal conic names its standard parallels; a one-parallel definition is
  // converted (exactly, by OSR) to the equivalent two-parallel one.
  OGRSpatialReference srs(srs_in);
  const char* projection = srs.GetAttrValue("PROJECTION");
  if (projection && std::strcmp(projection, SRS_PT_LAMBERT_CONFORMAL_CONIC_1SP) == 0) {
    if (OGRSpatialReference* two = srs.convertToOtherProjection(SRS_PT_LAMBERT_CONFORMAL_CONIC_2SP)) {
      srs = *two;
      delete two;
      projection = srs.GetAttrValue("PROJECTION");
    }
  }
  OGRErr err = OGRERR_NONE;
  const double inverse_flattening = srs.GetInvFlattening(&err);
  if (inverse_flattening == 0.0) {
    add(m, "earth_radius", srs.GetSemiMajor(&err));
  } else {
    add(m, "semi_major_axis", srs.GetSemiMajor(&err));
    add(m, "inverse_flattening", inverse_flattening);
  }
  add(m, "longitude_of_prime_meridian", srs.GetPrimeMeridian());
  if (srs.IsGeographic()) {
    m.name = "latitude_longitude";
    return m;
  }
  if (!projection) return m;
  if (std::strcmp(projection, SRS_PT_POLAR_STEREOGRAPHIC) == 0) {
    polar_stereographic(srs, m);
  } else if (std::strcmp(projection, SRS_PT_GEOSTATIONARY_SATELLITE) == 0) {
    geostationary(srs, m);
  } else {
    for (const Projection& p : projections()) {
      if (std::strcmp(projection, p.wkt) != 0) continue;
      m.name = p.cf;
      for (const Param& param : p.params) add(m, param.cf, srs.GetNormProjParm(param.wkt, param.fallback));
      // Two standard parallels, as one attribute of two values.
      if (m.name == "albers_conical_equal_area" || m.name == "lambert_conformal_conic")
        m.parameters.push_back({"standard_parallel",
                                {srs.GetNormProjParm(SRS_PP_STANDARD_PARALLEL_1, 0.0),
                                 srs.GetNormProjParm(SRS_PP_STANDARD_PARALLEL_2, 0.0)}});
      break;
    }
  }
  if (m.name.empty()) return m;
  // In the projection's own linear unit, like the x and y coordinates (CF 5.6).
  add(m, "false_easting", srs.GetProjParm(SRS_PP_FALSE_EASTING, 0.0));
  add(m, "false_northing", srs.GetProjParm(SRS_PP_FALSE_NORTHING, 0.0));
  return m;
}

}  // namespace minerisk
