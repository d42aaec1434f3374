// Columnar tables in Parquet files, through fs::FileSystem. This edge wraps Arrow/Parquet and
// knows nothing of trips: callers describe columns, fill plain vectors, and read them back.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "traffic/core/status.h"
#include "traffic/fs/file_system.h"

namespace traffic::parquet {

enum class ColumnType {
  kBool,         // data: vector<uint8_t> (0/1)
  kInt8,         // vector<int8_t>
  kInt16,        // vector<int16_t>
  kInt32,        // vector<int32_t>
  kInt64,        // vector<int64_t>
  kUInt64,       // vector<uint64_t>
  kFloat,        // vector<float>
  kDouble,       // vector<double>
  kString,       // vector<std::string>
  kDictString,   // vector<int32_t> codes into `dictionary` (low-cardinality text, e.g. cell ids);
                 // written dictionary-encoded, read back as kString
  kTimestampMs,  // vector<int64_t> milliseconds since the epoch, UTC
};

struct ColumnSpec {
  std::string name;
  ColumnType type;
  bool nullable = false;
};
using Schema = std::vector<ColumnSpec>;

using ColumnData = std::variant<std::vector<uint8_t>, std::vector<int8_t>, std::vector<int16_t>, std::vector<int32_t>,
                                std::vector<int64_t>, std::vector<uint64_t>, std::vector<float>, std::vector<double>,
                                std::vector<std::string>>;

struct Column {
  ColumnSpec spec;
  ColumnData data;
  std::vector<uint8_t> valid;           // nullable columns: 1 = present; empty = all present
  std::vector<std::string> dictionary;  // kDictString only
};

// Rows in columnar form. Every column has the same number of rows.
class ColumnBatch {
 public:
  ColumnBatch() = default;
  explicit ColumnBatch(const Schema& schema);

  const Schema schema() const;
  size_t num_rows() const;
  void Clear();                             // keeps the columns (and dictionaries), drops the rows
  int Find(const std::string& name) const;  // -1 when absent

  template <typename T>
  std::vector<T>& Get(int index) {
    return std::get<std::vector<T>>(columns_[static_cast<size_t>(index)].data);
  }
  template <typename T>
  const std::vector<T>& Get(int index) const {
    return std::get<std::vector<T>>(columns_[static_cast<size_t>(index)].data);
  }
  Column& column(int index) { return columns_[static_cast<size_t>(index)]; }
  const Column& column(int index) const { return columns_[static_cast<size_t>(index)]; }
  int num_columns() const { return static_cast<int>(columns_.size()); }

 private:
  std::vector<Column> columns_;
};

struct WriterOptions {
  int zstd_level = 1;                // fast; Parquet's dictionary and RLE do most of the work
  int64_t row_group_rows = 1 << 20;  // rows per row group
};

// Writes one Parquet file (zstd). Written under a temporary name and renamed by Close(), so a
// reader never sees a partial file; destroying an unclosed writer leaves nothing.
class Writer {
 public:
  static core::Result<std::unique_ptr<Writer>> Open(fs::FileSystem& fs, const std::string& path, const Schema& schema,
                                                    const WriterOptions& options = {});
  virtual ~Writer() = default;
  // The batch's columns must match the schema given to Open (names and types).
  virtual core::Status Write(const ColumnBatch& batch) = 0;
  virtual core::Status Close() = 0;
  virtual int64_t rows_written() const = 0;
};

// Reads a Parquet file written by Writer (or any Parquet file with these column types).
class Reader {
 public:
  static core::Result<std::unique_ptr<Reader>> Open(fs::FileSystem& fs, const std::string& path);
  virtual ~Reader() = default;
  virtual const Schema& schema() const = 0;
  virtual int64_t num_rows() const = 0;
  virtual int num_row_groups() const = 0;
  // Reads one row group, only the named columns (all when empty), in the order named.
  virtual core::Result<ColumnBatch> ReadRowGroup(int index, const std::vector<std::string>& columns = {}) = 0;
};

}  // namespace traffic::parquet
