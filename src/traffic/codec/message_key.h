// The Kafka key of `taxi-trips` and `traffic-predictions` messages: the cell_id, so that all the
// messages of a cell go to one partition (and one stream worker) in order.
#pragma once

#include <cstdint>
#include <string>

#include "traffic/geo/grid.h"

namespace traffic::codec {

// Appends "28_27" (geo::CellId::ToString, without allocating) to *out.
void AppendCellKey(geo::CellId cell, std::string* out);

// The partition of a cell's messages. The producer sets it explicitly (not left to a client's
// partitioner, which -X could change), so the stream knows which cells each partition carries,
// for its per-partition state.
//
// Contract for every producer of `taxi-trips`, in any language (a message in another partition is
// a dead letter when the stream checks placement): with key = the cell id in ASCII decimal,
// "<row>_<col>" (no padding, e.g. "28_27"),
//   partition = core::StableHash64(key) mod partitions   (unsigned 64-bit hash, default seed;
//                                                        the algorithm is spelled out in hash.h)
// e.g. with 4 partitions: 28_27 -> 2, 0_0 -> 0, 10_3 -> 1; with 12: 28_27 -> 10 (golden values in
// trip_message_test.cc). Precondition: partitions > 0. Changing this moves every cell's state.
int32_t PartitionForCell(geo::CellId cell, int32_t partitions);

}  // namespace traffic::codec
