// TEMPORARY (reverted before the branch is reported): a stand-in for ops::map_png until the
// real map lands on main. A grey picture of the probability, through GDAL's PNG driver.
#include <algorithm>
#include <cmath>

#include <cpl_vsi.h>
#include <gdal_priv.h>

#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/ops/map.hpp"

namespace minerisk::ops {

std::string map_png(const std::filesystem::path& grid, const MapOptions& options, const Control&) {
  const GridFileReader reader(grid, options.variable);
  const std::vector<float> p = reader.read();
  const int w = static_cast<int>(reader.grid().width()), h = static_cast<int>(reader.grid().height());
  const int step = std::max(1, w / 800);
  const int ow = w / step, oh = h / step;
  std::vector<unsigned char> rgb(static_cast<size_t>(ow) * oh * 3);
  for (int r = 0; r < oh; ++r)
    for (int c = 0; c < ow; ++c) {
      const float v = p[static_cast<size_t>(r * step) * w + c * step];
      const size_t i = static_cast<size_t>(r) * ow + c;
      const unsigned char g = std::isnan(v) ? 255 : static_cast<unsigned char>(255 * (1 - std::min(1.0f, std::sqrt(v))));
      rgb[i] = 255, rgb[i + static_cast<size_t>(ow) * oh] = g, rgb[i + 2 * static_cast<size_t>(ow) * oh] = g;
    }
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDataset* ds = mem->Create("", ow, oh, 3, GDT_Byte, nullptr);
  (void)ds->RasterIO(GF_Write, 0, 0, ow, oh, rgb.data(), ow, oh, GDT_Byte, 3, nullptr, 0, 0, 0, nullptr);
  GDALDriver* png = GetGDALDriverManager()->GetDriverByName("PNG");
  GDALDataset* out = png->CreateCopy("/vsimem/map_stub.png", ds, FALSE, nullptr, nullptr, nullptr);
  GDALClose(out);
  GDALClose(ds);
  vsi_l_offset size = 0;
  GByte* bytes = VSIGetMemFileBuffer("/vsimem/map_stub.png", &size, TRUE);
  std::string result(reinterpret_cast<char*>(bytes), size);
  CPLFree(bytes);
  return result;
}

}  // namespace minerisk::ops
