// JSON pieces of the dashboard API (api/openapi.json): the CellNow object and
// number formatting. Numbers read back exactly (shortest round-trip form); coordinates are the
// grid's formula rounded to 1e-10 degree.
#pragma once

#include <string>

#include "traffic/core/json_writer.h"
#include "traffic/dashboard/store.h"

namespace traffic::dashboard {

// Shortest form that reads back to the same double; null for NaN/inf.
void AppendNumber(double v, std::string* out);
// Writes the CellNow fields (without braces) into an open object of `j`.
void WriteCellNowFields(const WindowStore& store, geo::CellId cell, const StoredWindow& w, core::JsonWriter& j);
// Appends the whole CellNow object.
void AppendCellNow(const WindowStore& store, geo::CellId cell, const StoredWindow& w, std::string* out);
std::string LevelString(int level);  // "Low" | "Medium" | "High"

}  // namespace traffic::dashboard
