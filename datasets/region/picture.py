"""An overview picture of a generated region, drawn with numpy and written by GDAL's PNG driver
(no matplotlib here): shaded relief tinted by land cover, rivers, roads, settlements, the front
lines, battle areas (hatched), the true minefields, the records, cleared areas and finds, with a
legend and a scale bar in a small built-in font. The picture is paletted (under 256 colours), so
it stays small."""
import os

import numpy as np
from osgeo import gdal, ogr
from scipy import ndimage

import script_support  # datasets/, on the path of every importer of region
SHADES = 8  # shading levels per land-cover colour
COVER = {1: (112, 152, 96), 2: (204, 212, 164), 3: (230, 218, 162), 4: (196, 176, 176), 5: (140, 180, 222),
         6: (192, 188, 184)}
OVERLAYS = {  # name: (colour, legend label or None)
    "river": ((40, 100, 205), "RIVERS"),
    "road": ((95, 95, 95), "ROADS"),
    "battle": ((225, 110, 30), "BATTLE AREAS 2020"),
    "minefield": ((205, 30, 160), "TRUE MINEFIELDS"),
    "record": ((0, 175, 210), "RECORDS"),
    "cleared": ((0, 150, 60), "CLEARED"),
    "contact": ((200, 0, 0), "LINE OF CONTACT"),
    "front": ((255, 150, 0), "FRONT LINES 2020"),
    "find": ((25, 25, 120), "FINDS: CLEARANCE"),
    "report": ((255, 225, 0), "FINDS: REPORTED"),
    "settlement": ((0, 0, 0), "SETTLEMENTS"),
    "abandoned": ((255, 255, 255), "ABANDONED"),
    "ink": ((0, 0, 0), None),
    "paper": ((255, 255, 255), None),
}
FIRST_OVERLAY = len(COVER) * SHADES + 1  # palette index 0 is unused (no data)
INDEX = {name: FIRST_OVERLAY + k for k, name in enumerate(OVERLAYS)}

# A 5 x 7 font (the HD44780 character ROM's glyphs): seven rows of five bits, as hex.
GLYPHS = {
    "A": "0E1111111F1111", "B": "1E11111E11111E", "C": "0E11101010110E", "D": "1C12111111121C",
    "E": "1F10101E10101F", "F": "1F10101E101010", "G": "0E11101711110F", "H": "1111111F111111",
    "I": "0E04040404040E", "K": "11121418141211", "L": "1010101010101F", "M": "111B1515111111",
    "N": "11111915131111", "O": "0E11111111110E", "P": "1E11111E101010", "R": "1E11111E141211",
    "S": "0F10100E01011E", "T": "1F040404040404", "U": "1111111111110E", "V": "11111111110A04",
    "W": "1111111515150A", "Y": "1111110A040404", "0": "0E11131519110E", "1": "040C040404040E",
    "2": "0E11010204081F", "3": "1F02040201110E", "4": "02060A121F0202", "5": "1F101E0101110E",
    "6": "0608101E11110E", "7": "1F010204080808", "8": "0E11110E11110E", "9": "0E11110F01020C",
    "-": "0000001F000000", ":": "000C0C000C0C00", ".": "00000000000C0C", " ": "00000000000000",
}


def palette():
    table = gdal.ColorTable()
    for cls, rgb in COVER.items():
        for level in range(SHADES):
            factor = 0.55 + 0.6 * level / (SHADES - 1)
            table.SetColorEntry((cls - 1) * SHADES + level + 1, tuple(min(255, int(c * factor)) for c in rgb))
    for name, (rgb, _) in OVERLAYS.items():
        table.SetColorEntry(INDEX[name], rgb)
    return table


def read_small(path, width, resample):
    ds = gdal.Open(path)
    array = ds.GetRasterBand(1).ReadAsArray(buf_xsize=width, buf_ysize=width, resample_alg=resample)
    return array, ds.GetGeoTransform(), ds.RasterXSize


def hillshade(z, cell):
    """Lambertian shading from the north-west, 0..1."""
    gy, gx = np.gradient(z.astype(np.float64), cell)
    nx, ny, nz = -gx, gy, np.ones_like(gx)  # gy is per row (southwards), so north is -row
    light = np.array([-1.0, 1.0, 1.4]) / np.linalg.norm([-1.0, 1.0, 1.4])
    return np.clip((nx * light[0] + ny * light[1] + nz * light[2]) / np.sqrt(nx ** 2 + ny ** 2 + nz ** 2), 0, 1)


class Canvas:
    """The picture's grid: rasterises layers of the region's files onto it."""

    def __init__(self, geotransform, width):
        self.width = width
        self.gt = geotransform

    def mask(self, path, layer_name, where=None, touch=True):
        source = ogr.Open(path)
        layer = source.GetLayerByName(layer_name)
        if where:
            layer.SetAttributeFilter(where)
        target = gdal.GetDriverByName("MEM").Create("", self.width, self.width, 1, gdal.GDT_Byte)
        target.SetGeoTransform(self.gt)
        target.SetProjection(layer.GetSpatialRef().ExportToWkt())
        gdal.RasterizeLayer(target, [1], layer, burn_values=[1], options=["ALL_TOUCHED=TRUE"] if touch else [])
        return target.GetRasterBand(1).ReadAsArray().astype(bool)


def outline(mask, width=1):
    return mask & ~ndimage.binary_erosion(mask, iterations=width)


def dots(mask, radius=1):
    return ndimage.binary_dilation(mask, np.ones((2 * radius + 1, 2 * radius + 1), bool))


def draw_text(image, text, row, col, scale=2):
    for ch in text.upper():
        bits = GLYPHS.get(ch, GLYPHS[" "])
        for r in range(7):
            value = int(bits[2 * r: 2 * r + 2], 16)
            for c in range(5):
                if value & (1 << (4 - c)):
                    image[row + r * scale: row + (r + 1) * scale, col + c * scale: col + (c + 1) * scale] = INDEX["ink"]
        col += 6 * scale
    return col


def legend(width, extent_m):
    """The legend strip: a swatch and a label per overlay, three columns, then a scale bar."""
    entries = [(name, label) for name, (_, label) in OVERLAYS.items() if label]
    rows = -(-len(entries) // 3)
    strip = np.full((rows * 24 + 44, width), INDEX["paper"], np.uint8)
    column = width // 3
    for k, (name, label) in enumerate(entries):
        top, left = 10 + (k // 3) * 24, 10 + (k % 3) * column
        strip[top: top + 14, left: left + 22] = INDEX["ink"]
        strip[top + 2: top + 12, left + 2: left + 20] = INDEX[name]
        draw_text(strip, label, top, left + 30)
    bar_m = 10 ** np.floor(np.log10(extent_m / 4))
    bar_px = int(round(bar_m / extent_m * width))
    top = rows * 24 + 14
    strip[top + 4: top + 10, 10: 10 + bar_px] = INDEX["ink"]
    label = f"{bar_m / 1000:g} KM" if bar_m >= 1000 else f"{bar_m:g} M"
    draw_text(strip, label, top, 20 + bar_px)
    return strip


def render(folder, png_path, width=800):
    """Draws the region in `folder` (as generate_region.py writes it) into png_path."""
    dem, gt, size = read_small(os.path.join(folder, "dem.tif"), width, gdal.GRIORA_Average)
    cover, _, _ = read_small(os.path.join(folder, "landcover.tif"), width, gdal.GRIORA_Mode)
    extent = gt[1] * size
    pixel = extent / width
    canvas = Canvas((gt[0], pixel, 0.0, gt[3], 0.0, -pixel), width)
    shade = np.minimum((hillshade(dem, pixel) * SHADES).astype(int), SHADES - 1)
    image = ((np.clip(cover, 1, len(COVER)).astype(int) - 1) * SHADES + shade + 1).astype(np.uint8)

    region = os.path.join(folder, "region.gpkg")
    truth = os.path.join(folder, "truth.gpkg")
    rows, cols = np.indices(image.shape)
    hatch = (rows + cols) % 6 == 0
    layers = [
        ("battle", canvas.mask(truth, "battle_areas", touch=False) & hatch),
        ("river", canvas.mask(region, "rivers")),
        ("road", canvas.mask(region, "roads")),
        ("minefield", canvas.mask(truth, "minefields")),
        ("cleared", outline(canvas.mask(region, "cleared"), 2)),
        ("record", outline(canvas.mask(region, "records"), 2)),
        ("front", dots(canvas.mask(region, "front_lines", "kind = 'mobile front'"), 1)),
        ("contact", dots(canvas.mask(region, "front_lines", "kind = 'line of contact'"), 1)),
        ("report", dots(canvas.mask(region, "finds", "source = 'report'"), 1)),
        ("find", dots(canvas.mask(region, "finds", "source = 'clearance'"), 1)),
    ]
    for name, mask in layers:
        image[mask] = INDEX[name]
    marker = int(np.clip(150.0 / pixel, 1, 3))  # small squares on a large region, so the map shows
    towns = dots(canvas.mask(region, "settlements", "abandoned = 0"), marker)
    empty = dots(canvas.mask(region, "settlements", "abandoned = 1"), marker)
    image[dots(towns | empty, marker + 1)] = INDEX["ink"]
    image[towns] = INDEX["settlement"]
    image[empty] = INDEX["abandoned"]

    picture = np.vstack([image, legend(width, extent)])
    mem = gdal.GetDriverByName("MEM").Create("", width, picture.shape[0], 1, gdal.GDT_Byte)
    band = mem.GetRasterBand(1)
    band.SetColorTable(palette())
    band.WriteArray(picture)
    # Written beside its destination under a temporary name, then renamed over it: a picture that
    # stood there is replaced whole or not at all.
    with script_support.replaced_whole(png_path, prefix=".picture-") as temporary:
        if gdal.GetDriverByName("PNG").CreateCopy(temporary, mem, options=["ZLEVEL=9"]) is None:
            raise OSError(f"cannot write the picture {png_path}")
