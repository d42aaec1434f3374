// The city grid (DESIGN.md "Grid"): square cells of `cell_deg` degrees from an origin at the
// south-west corner of the cleaning box. A trip belongs to the cell of its pickup.
//   row = floor((lat - origin_lat) / cell_deg), col = floor((lon - origin_lon) / cell_deg)
//   centre = (origin_lat + (row + 0.5) * cell_deg, origin_lon + (col + 0.5) * cell_deg)
// cell_id is the string "{row}_{col}"; Times Square (40.7580, -73.9855) is 28_27.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace traffic::geo {

struct LatLon {
  double lat = 0;
  double lon = 0;
};

struct GridSpec {
  double origin_lat = 40.4774;
  double origin_lon = -74.2591;
  double cell_deg = 0.01;
  // Extent: the cleaning box 40.4774..40.9176 x -74.2591..-73.7004 -> 45 x 56 cells.
  int rows = 45;
  int cols = 56;
};

// A cell by row and column. Strong type: not interchangeable with other small integers.
struct CellId {
  int16_t row = 0;
  int16_t col = 0;
  bool operator==(const CellId&) const = default;
  auto operator<=>(const CellId&) const = default;

  std::string ToString() const;  // "28_27"
  static std::optional<CellId> Parse(std::string_view text);
};

class Grid {
 public:
  explicit Grid(GridSpec spec = {}) : spec_(spec) {}

  const GridSpec& spec() const { return spec_; }
  int cell_count() const { return spec_.rows * spec_.cols; }

  // The cell containing a point, or nullopt outside the grid's extent.
  std::optional<CellId> Locate(double lat, double lon) const;
  LatLon Centre(CellId cell) const;
  // Dense index 0..cell_count()-1 (row-major), for arrays keyed by cell.
  int Index(CellId cell) const { return cell.row * spec_.cols + cell.col; }
  CellId FromIndex(int index) const {
    return CellId{static_cast<int16_t>(index / spec_.cols), static_cast<int16_t>(index % spec_.cols)};
  }
  bool Contains(CellId c) const { return c.row >= 0 && c.row < spec_.rows && c.col >= 0 && c.col < spec_.cols; }

 private:
  GridSpec spec_;
};

}  // namespace traffic::geo
