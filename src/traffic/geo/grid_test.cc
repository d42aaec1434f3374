#include "traffic/geo/grid.h"

#include <gtest/gtest.h>

namespace traffic::geo {
namespace {

TEST(Grid, TimesSquareIsCell28_27) {
  Grid grid;
  auto cell = grid.Locate(40.7580, -73.9855);
  ASSERT_TRUE(cell);
  EXPECT_EQ(cell->ToString(), "28_27");
}

TEST(Grid, CentreIsTheExactInverse) {
  Grid grid;
  for (int index = 0; index < grid.cell_count(); ++index) {
    CellId cell = grid.FromIndex(index);
    LatLon c = grid.Centre(cell);
    EXPECT_DOUBLE_EQ(c.lat, 40.4774 + (cell.row + 0.5) * 0.01);
    EXPECT_DOUBLE_EQ(c.lon, -74.2591 + (cell.col + 0.5) * 0.01);
    ASSERT_EQ(grid.Locate(c.lat, c.lon), cell) << cell.ToString();
    EXPECT_EQ(grid.Index(cell), index);
  }
}

TEST(Grid, HasFortyFiveByFiftySixCellsAndRejectsOutside) {
  Grid grid;
  EXPECT_EQ(grid.spec().rows, 45);
  EXPECT_EQ(grid.spec().cols, 56);
  EXPECT_EQ(grid.cell_count(), 2520);
  EXPECT_EQ(grid.Locate(40.4774, -74.2591), (CellId{0, 0}));    // bounds inclusive at the origin
  EXPECT_EQ(grid.Locate(40.9176, -73.7004), (CellId{44, 55}));  // and at the far corner
  EXPECT_FALSE(grid.Locate(0, 0));
  EXPECT_FALSE(grid.Locate(40.47, -74.0));
}

TEST(CellId, ParsesWhatItPrints) {
  EXPECT_EQ(CellId::Parse("28_27"), (CellId{28, 27}));
  EXPECT_FALSE(CellId::Parse("28-27"));
  EXPECT_FALSE(CellId::Parse("28_"));
  EXPECT_FALSE(CellId::Parse("-1_3"));
}

}  // namespace
}  // namespace traffic::geo
