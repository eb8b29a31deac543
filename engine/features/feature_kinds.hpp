#pragma once
// The registration of each feature kind: one function per kind file, listed once in
// feature_kinds.cpp.
#include "feature.hpp"

namespace minerisk::features {

FeatureKind slope_kind();
FeatureKind ruggedness_kind();
FeatureKind elevation_kind();
FeatureKind front_line_distance_kind();
FeatureKind find_density_kind();
FeatureKind find_share_kind();
FeatureKind find_contrast_kind();
FeatureKind record_coverage_kind();
FeatureKind vector_distance_kind();
FeatureKind raster_kind();

}  // namespace minerisk::features
