#include "traffic/geo/grid.h"

#include <charconv>
#include <cmath>

namespace traffic::geo {

std::string CellId::ToString() const { return std::to_string(row) + "_" + std::to_string(col); }

std::optional<CellId> CellId::Parse(std::string_view text) {
  size_t sep = text.find('_');
  if (sep == std::string_view::npos) return std::nullopt;
  int row = 0, col = 0;
  auto r1 = std::from_chars(text.data(), text.data() + sep, row);
  auto r2 = std::from_chars(text.data() + sep + 1, text.data() + text.size(), col);
  if (r1.ec != std::errc() || r1.ptr != text.data() + sep || r2.ec != std::errc() ||
      r2.ptr != text.data() + text.size() || row < 0 || col < 0 || row > 32767 || col > 32767) {
    return std::nullopt;
  }
  return CellId{static_cast<int16_t>(row), static_cast<int16_t>(col)};
}

std::optional<CellId> Grid::Locate(double lat, double lon) const {
  double r = std::floor((lat - spec_.origin_lat) / spec_.cell_deg);
  double c = std::floor((lon - spec_.origin_lon) / spec_.cell_deg);
  if (!(r >= 0 && r < spec_.rows && c >= 0 && c < spec_.cols)) return std::nullopt;  // NaN too
  return CellId{static_cast<int16_t>(r), static_cast<int16_t>(c)};
}

LatLon Grid::Centre(CellId cell) const {
  return {spec_.origin_lat + (cell.row + 0.5) * spec_.cell_deg, spec_.origin_lon + (cell.col + 0.5) * spec_.cell_deg};
}

}  // namespace traffic::geo
