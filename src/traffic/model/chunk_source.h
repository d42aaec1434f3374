// ChunkSource: rows handed to training a chunk at a time, so a training set never has to be in
// memory whole. XGBoost builds its quantized matrix from the chunks (a QuantileDMatrix: about one
// byte per feature value instead of the float rows and their CSR copy) and reads the source more
// than once (a quantile sketch, then the matrix), so a source must be able to start again.
#pragma once

#include "traffic/core/status.h"

namespace traffic::model {

template <typename Chunk>
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  // Back to the first chunk.
  virtual core::Status Reset() = 0;
  // The next chunk (valid until the next call), or nullptr after the last. An error ends the pass
  // and fails the training that asked.
  virtual core::Result<const Chunk*> Next() = 0;
};

// One chunk already in memory: the whole set at once.
template <typename Chunk>
class SingleChunk final : public ChunkSource<Chunk> {
 public:
  explicit SingleChunk(const Chunk& chunk) : chunk_(chunk) {}
  core::Status Reset() override {
    done_ = false;
    return core::Status::Ok();
  }
  core::Result<const Chunk*> Next() override {
    if (done_) return static_cast<const Chunk*>(nullptr);
    done_ = true;
    return &chunk_;
  }

 private:
  const Chunk& chunk_;
  bool done_ = false;
};

}  // namespace traffic::model
