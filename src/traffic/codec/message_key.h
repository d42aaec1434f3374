// The Kafka key of `taxi-trips` and `traffic-predictions` messages: the cell_id, so that all the
// messages of a cell go to one partition (and one stream worker) in order.
#pragma once

#include <cstdint>
#include <string>

#include "traffic/geo/grid.h"

namespace traffic::codec {

// Appends "28_27" (geo::CellId::ToString, without allocating) to *out.
void AppendCellKey(geo::CellId cell, std::string* out);

// The partition of a cell's messages: a stable hash of its key modulo the partition count. The
// producer sets it explicitly (not left to a client's partitioner, which -X could change), so the
// stream knows which cells each partition carries, for its per-partition state.
int32_t PartitionForCell(geo::CellId cell, int32_t partitions);

}  // namespace traffic::codec
