#pragma once
// The layer an OGR VRT reads (<OGRVRTDataSource> of <OGRVRTLayer name=...>, whose
// <SrcDataSource> and <SrcLayer> name the file and layer behind it): fit takes a distance to a VRT
// over the finds as a distance to the finds, which it cross-fits, and refuses a raster computed
// from such a VRT, as it does for the finds file itself.
#include <optional>
#include <string>

#include "minerisk/engine/scenario.hpp"

namespace minerisk {

/// The file and layer behind `spec` when it names an OGR VRT, followed through VRTs over VRTs
/// (at most 8); nullopt for any other file, a layer the VRT does not have, or one that is not a
/// plain OGRVRTLayer (a union or warped layer). A layer without SrcLayer reads the source's layer
/// of its own name, as GDAL does; a layer of SQL takes the file with no layer (any of its layers).
std::optional<VectorInputSpec> ogr_vrt_source(const VectorInputSpec& spec);

}  // namespace minerisk
