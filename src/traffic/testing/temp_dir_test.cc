#include "traffic/testing/temp_dir.h"

#include <gtest/gtest.h>

#include <fstream>

namespace traffic::testing {
namespace {

TEST(TempDir, IsFreshEmptyAndRemovedWithItsContents) {
  std::filesystem::path kept;
  {
    TempDir a, b;
    ASSERT_FALSE(a.path().empty());
    EXPECT_NE(a.path(), b.path());
    EXPECT_TRUE(std::filesystem::is_directory(a.path()));
    EXPECT_TRUE(std::filesystem::is_empty(a.path()));
    EXPECT_EQ(a / "x/y.csv", (a.path() / "x" / "y.csv").string());
    std::filesystem::create_directories(a.path() / "x");
    std::ofstream(a / "x/y.csv") << "1,2\n";
    kept = a.path();
    ASSERT_TRUE(std::filesystem::exists(kept / "x" / "y.csv"));
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

}  // namespace
}  // namespace traffic::testing
