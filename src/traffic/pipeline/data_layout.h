// The storage layout of DESIGN.md "Storage layout": the same relative folders under one root
// (`--data-dir`, default ./data), on the local disk or HDFS. Every step finds its input and its
// output here; nothing else spells these folder names.
#pragma once

#include <string>

#include "traffic/fs/file_system.h"

namespace traffic::pipeline {

struct DataLayout {
  std::string root = "./data";

  std::string Raw() const { return fs::JoinPath(root, "raw"); }              // TLC CSV files
  std::string Processed() const { return fs::JoinPath(root, "processed"); }  // clean trips
  std::string Features() const { return fs::JoinPath(root, "features"); }    // forecast examples
  std::string Models() const { return fs::JoinPath(root, "models"); }        // see model_store.h
  std::string Streaming() const { return fs::JoinPath(root, "streaming"); }  // window archive
  std::string Checkpoints() const { return fs::JoinPath(root, "checkpoints"); }
};

}  // namespace traffic::pipeline
