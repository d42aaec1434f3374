// The Kafka key of `taxi-trips` and `traffic-predictions` messages: the cell_id, so that all the
// messages of a cell go to one partition (and one stream worker) in order.
#pragma once

#include <string>

#include "traffic/geo/grid.h"

namespace traffic::codec {

// Appends "28_27" (geo::CellId::ToString, without allocating) to *out.
void AppendCellKey(geo::CellId cell, std::string* out);

}  // namespace traffic::codec
