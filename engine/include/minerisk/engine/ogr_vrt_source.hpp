#pragma once
// The layers an OGR VRT reads (<OGRVRTDataSource> of <OGRVRTLayer name=...>, whose
// <SrcDataSource> and <SrcLayer> name the file and layer behind it): fit takes a distance to a VRT
// over the finds as a distance to the finds, which it cross-fits, finds read through a VRT as
// the finds, and refuses a raster computed from such a VRT, as it does for the finds file itself.
#include <vector>

#include "minerisk/engine/scenario.hpp"

namespace minerisk {

/// Every file and layer behind `spec` when it names an OGR VRT, through VRTs over VRTs (at most 8
/// deep, 64 layers in all): each step, the nearest first. Empty for any other file, or a layer the
/// VRT does not have. A warped layer reads the layer it warps, a union each of its layers; a
/// layer without SrcLayer reads the source's layer of its own name, as GDAL does; one of SrcSQL
/// the tables after its FROM and JOIN.
std::vector<VectorInputSpec> layers_behind(const VectorInputSpec& spec);

/// `spec` itself, then layers_behind(spec).
inline std::vector<VectorInputSpec> layer_and_layers_behind(const VectorInputSpec& spec) {
  std::vector<VectorInputSpec> all = layers_behind(spec);
  all.insert(all.begin(), spec);
  return all;
}

}  // namespace minerisk
