#include "traffic/window/duplicate_filter.h"

#include <gtest/gtest.h>

namespace traffic::window {
namespace {

CellMask Cells(std::initializer_list<int> indexes) {
  geo::GridSpec grid;
  CellMask mask(static_cast<size_t>(grid.rows * grid.cols), false);
  for (int i : indexes) mask[static_cast<size_t>(i)] = true;
  return mask;
}

TEST(DuplicateFilter, RemembersIdsPerWindowUntilTheWindowCloses) {
  DuplicateFilter f;
  EXPECT_FALSE(f.Contains(10, 7));
  f.Insert(10, 3, 7);
  f.Insert(10, 3, 7);  // idempotent
  f.Insert(11, 4, 8);
  EXPECT_TRUE(f.Contains(10, 7));
  EXPECT_FALSE(f.Contains(11, 7));  // another window: not the same event
  EXPECT_EQ(f.size(), 2u);
  f.ForgetBefore(11);
  EXPECT_FALSE(f.Contains(10, 7));
  EXPECT_TRUE(f.Contains(11, 8));
  EXPECT_EQ(f.size(), 1u);
  EXPECT_EQ(f.window_count(), 1u);
}

TEST(DuplicateFilter, SnapshotRestoreKeepsOnlyTheGivenCells) {
  DuplicateFilter f;
  f.Insert(-5, 3, 1);  // negative window indexes (before 1970) too
  f.Insert(10, 3, ~uint64_t{0});
  f.Insert(10, 4, 2);
  f.Insert(12, 3, 3);
  std::string bytes = f.SnapshotCells(Cells({3}));
  EXPECT_EQ(bytes, f.SnapshotCells(Cells({3})));  // deterministic

  DuplicateFilter g;
  g.Insert(10, 3, 99);  // replaced: cell 3 is in the snapshot
  g.Insert(10, 5, 98);  // kept: cell 5 is not
  ASSERT_TRUE(g.RestoreCells(bytes).ok());
  EXPECT_TRUE(g.Contains(-5, 1));
  EXPECT_TRUE(g.Contains(10, ~uint64_t{0}));
  EXPECT_TRUE(g.Contains(12, 3));
  EXPECT_FALSE(g.Contains(10, 2));  // cell 4: another partition
  EXPECT_FALSE(g.Contains(10, 99));
  EXPECT_TRUE(g.Contains(10, 98));
  EXPECT_EQ(g.size(), 4u);

  g.DropCells(Cells({3}));
  EXPECT_EQ(g.size(), 1u);
  EXPECT_TRUE(g.Contains(10, 98));
}

TEST(DuplicateFilter, CorruptOrForeignBytesAreRefusedAndChangeNothing) {
  DuplicateFilter f;
  f.Insert(10, 3, 1);
  f.Insert(11, 3, 2);
  std::string bytes = f.SnapshotCells(Cells({3}));
  DuplicateFilter g;
  g.Insert(10, 3, 42);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    EXPECT_EQ(g.RestoreCells(bad).code(), core::StatusCode::kCorrupt) << i;
    EXPECT_EQ(g.RestoreCells(bytes.substr(0, i)).code(), core::StatusCode::kCorrupt) << i;
  }
  EXPECT_EQ(g.size(), 1u);
  EXPECT_TRUE(g.Contains(10, 42));

  geo::GridSpec other;
  other.rows = 10;
  other.cols = 10;
  DuplicateFilter small(other);
  EXPECT_EQ(small.RestoreCells(bytes).code(), core::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace traffic::window
