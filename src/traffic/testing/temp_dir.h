// One temporary folder for tests: fresh and empty (mkdtemp under $TMPDIR or /tmp, so parallel
// test processes never share one), removed with its contents when the object goes.
//
//   testing::TempDir temp;                              // a member of the fixture, or a local
//   auto fs = fs::MakeLocalFileSystem(temp.string());   // a file system rooted there
//   std::string csv = temp / "raw/trips.csv";           // an absolute path inside it
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace traffic::testing {

class TempDir {
 public:
  // Creates the folder; a test that cannot get one fails (ADD_FAILURE) and the path is empty.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string string() const { return path_.string(); }
  // An absolute path inside the folder ("sub" may contain '/'); nothing is created.
  std::string operator/(std::string_view sub) const { return (path_ / sub).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace traffic::testing
