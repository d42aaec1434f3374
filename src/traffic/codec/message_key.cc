#include "traffic/codec/message_key.h"

#include "traffic/codec/json_append.h"
#include "traffic/core/hash.h"

namespace traffic::codec {

void AppendCellKey(geo::CellId cell, std::string* out) { internal::AppendCell(out, cell, false); }

int32_t PartitionForCell(geo::CellId cell, int32_t partitions) {
  std::string key;
  AppendCellKey(cell, &key);
  return static_cast<int32_t>(core::StableHash64(key) % static_cast<uint64_t>(partitions));
}

}  // namespace traffic::codec
