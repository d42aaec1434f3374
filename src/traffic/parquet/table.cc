#include "traffic/parquet/table.h"

#include <arrow/api.h>
#include <arrow/io/interfaces.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <parquet/exception.h>
#include <parquet/properties.h>

namespace traffic::parquet {
namespace {

core::Status FromArrow(const arrow::Status& st, const std::string& context) {
  if (st.ok()) return core::Status::Ok();
  return core::Status::IoError(context + ": " + st.ToString());
}

// ---- fs adapters -------------------------------------------------------------------------

class FsOutputStream : public arrow::io::OutputStream {
 public:
  explicit FsOutputStream(std::unique_ptr<fs::WritableFile> file) : file_(std::move(file)) {}
  arrow::Status Close() override {
    if (closed_) return arrow::Status::OK();
    closed_ = true;
    if (!file_) return arrow::Status::OK();  // aborted
    core::Status st = file_->Close();
    return st.ok() ? arrow::Status::OK() : arrow::Status::IOError(st.message());
  }
  arrow::Status Abort() override {
    closed_ = true;
    file_.reset();  // discards the temporary file
    return arrow::Status::OK();
  }
  bool closed() const override { return closed_; }
  arrow::Result<int64_t> Tell() const override { return file_ ? static_cast<int64_t>(file_->bytes_written()) : 0; }
  arrow::Status Write(const void* data, int64_t nbytes) override {
    if (!file_ || closed_) return arrow::Status::IOError("write after close or abort");
    core::Status st = file_->Append(std::string_view(static_cast<const char*>(data), static_cast<size_t>(nbytes)));
    return st.ok() ? arrow::Status::OK() : arrow::Status::IOError(st.message());
  }

 private:
  std::unique_ptr<fs::WritableFile> file_;
  bool closed_ = false;
};

class FsRandomAccessFile : public arrow::io::RandomAccessFile {
 public:
  FsRandomAccessFile(std::unique_ptr<fs::ReadableFile> file, int64_t size) : file_(std::move(file)), size_(size) {}
  arrow::Status Close() override {
    closed_ = true;
    return arrow::Status::OK();
  }
  bool closed() const override { return closed_; }
  arrow::Result<int64_t> Tell() const override { return position_; }
  arrow::Status Seek(int64_t position) override {
    position_ = position;
    return arrow::Status::OK();
  }
  arrow::Result<int64_t> GetSize() override { return size_; }
  arrow::Result<int64_t> ReadAt(int64_t position, int64_t nbytes, void* out) override {
    auto got = file_->ReadAt(static_cast<uint64_t>(position), static_cast<char*>(out), static_cast<size_t>(nbytes));
    if (!got.ok()) return arrow::Status::IOError(got.status().message());
    return static_cast<int64_t>(*got);
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t nbytes) override {
    nbytes = std::max<int64_t>(0, std::min(nbytes, size_ - position));
    ARROW_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateResizableBuffer(nbytes));
    ARROW_ASSIGN_OR_RAISE(int64_t got, ReadAt(position, nbytes, buffer->mutable_data()));
    ARROW_RETURN_NOT_OK(buffer->Resize(got));
    return std::shared_ptr<arrow::Buffer>(std::move(buffer));
  }
  arrow::Result<int64_t> Read(int64_t nbytes, void* out) override {
    ARROW_ASSIGN_OR_RAISE(int64_t got, ReadAt(position_, nbytes, out));
    position_ += got;
    return got;
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override {
    ARROW_ASSIGN_OR_RAISE(auto buffer, ReadAt(position_, nbytes));
    position_ += buffer->size();
    return buffer;
  }

 private:
  std::unique_ptr<fs::ReadableFile> file_;
  int64_t size_;
  int64_t position_ = 0;
  bool closed_ = false;
};

// ---- type mapping ------------------------------------------------------------------------

std::shared_ptr<arrow::DataType> ArrowType(ColumnType type) {
  switch (type) {
    case ColumnType::kBool:
      return arrow::boolean();
    case ColumnType::kInt8:
      return arrow::int8();
    case ColumnType::kInt16:
      return arrow::int16();
    case ColumnType::kInt32:
      return arrow::int32();
    case ColumnType::kInt64:
      return arrow::int64();
    case ColumnType::kUInt64:
      return arrow::uint64();
    case ColumnType::kFloat:
      return arrow::float32();
    case ColumnType::kDouble:
      return arrow::float64();
    case ColumnType::kString:
      return arrow::utf8();
    case ColumnType::kDictString:
      return arrow::dictionary(arrow::int32(), arrow::utf8());
    case ColumnType::kTimestampMs:
      return arrow::timestamp(arrow::TimeUnit::MILLI, "UTC");
  }
  return nullptr;
}

ColumnData EmptyData(ColumnType type) {
  switch (type) {
    case ColumnType::kBool:
      return std::vector<uint8_t>{};
    case ColumnType::kInt8:
      return std::vector<int8_t>{};
    case ColumnType::kInt16:
      return std::vector<int16_t>{};
    case ColumnType::kInt32:
    case ColumnType::kDictString:
      return std::vector<int32_t>{};
    case ColumnType::kInt64:
    case ColumnType::kTimestampMs:
      return std::vector<int64_t>{};
    case ColumnType::kUInt64:
      return std::vector<uint64_t>{};
    case ColumnType::kFloat:
      return std::vector<float>{};
    case ColumnType::kDouble:
      return std::vector<double>{};
    case ColumnType::kString:
      return std::vector<std::string>{};
  }
  return std::vector<uint8_t>{};
}

arrow::Result<std::shared_ptr<arrow::Buffer>> Bitmap(const std::vector<uint8_t>& flags) {
  ARROW_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateBitmap(static_cast<int64_t>(flags.size())));
  uint8_t* bits = buffer->mutable_data();
  std::memset(bits, 0, static_cast<size_t>(buffer->size()));
  for (size_t i = 0; i < flags.size(); ++i) {
    if (flags[i]) bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
  }
  return std::shared_ptr<arrow::Buffer>(std::move(buffer));
}

arrow::Result<std::shared_ptr<arrow::Array>> ToArrow(const Column& column, int64_t rows) {
  std::shared_ptr<arrow::Buffer> validity;
  int64_t null_count = 0;
  if (!column.valid.empty()) {
    ARROW_ASSIGN_OR_RAISE(validity, Bitmap(column.valid));
    for (uint8_t v : column.valid) null_count += v ? 0 : 1;
  }
  auto numeric = [&](const auto& vec) -> std::shared_ptr<arrow::Array> {
    auto data = arrow::Buffer::Wrap(vec);  // zero-copy; the batch outlives the write
    return arrow::MakeArray(arrow::ArrayData::Make(ArrowType(column.spec.type), rows, {validity, data}, null_count));
  };
  switch (column.spec.type) {
    case ColumnType::kBool: {
      ARROW_ASSIGN_OR_RAISE(auto bits, Bitmap(std::get<std::vector<uint8_t>>(column.data)));
      return arrow::MakeArray(arrow::ArrayData::Make(arrow::boolean(), rows, {validity, bits}, null_count));
    }
    case ColumnType::kInt8:
      return numeric(std::get<std::vector<int8_t>>(column.data));
    case ColumnType::kInt16:
      return numeric(std::get<std::vector<int16_t>>(column.data));
    case ColumnType::kInt32:
      return numeric(std::get<std::vector<int32_t>>(column.data));
    case ColumnType::kInt64:
    case ColumnType::kTimestampMs:
      return numeric(std::get<std::vector<int64_t>>(column.data));
    case ColumnType::kUInt64:
      return numeric(std::get<std::vector<uint64_t>>(column.data));
    case ColumnType::kFloat:
      return numeric(std::get<std::vector<float>>(column.data));
    case ColumnType::kDouble:
      return numeric(std::get<std::vector<double>>(column.data));
    case ColumnType::kString: {
      arrow::StringBuilder builder;
      const auto& values = std::get<std::vector<std::string>>(column.data);
      ARROW_RETURN_NOT_OK(builder.Reserve(rows));
      for (size_t i = 0; i < values.size(); ++i) {
        if (!column.valid.empty() && !column.valid[i]) {
          ARROW_RETURN_NOT_OK(builder.AppendNull());
        } else {
          ARROW_RETURN_NOT_OK(builder.Append(values[i]));
        }
      }
      return builder.Finish();
    }
    case ColumnType::kDictString: {
      arrow::StringBuilder dict_builder;
      ARROW_RETURN_NOT_OK(dict_builder.AppendValues(column.dictionary));
      ARROW_ASSIGN_OR_RAISE(auto dictionary, dict_builder.Finish());
      auto codes = arrow::Buffer::Wrap(std::get<std::vector<int32_t>>(column.data));
      auto indices = arrow::MakeArray(arrow::ArrayData::Make(arrow::int32(), rows, {validity, codes}, null_count));
      return arrow::DictionaryArray::FromArrays(ArrowType(ColumnType::kDictString), indices, dictionary);
    }
  }
  return arrow::Status::Invalid("unknown column type");
}

size_t DataSize(const ColumnData& data) {
  return std::visit([](const auto& v) { return v.size(); }, data);
}

// ---- writer ------------------------------------------------------------------------------

class ParquetWriter : public Writer {
 public:
  ParquetWriter(std::string path, Schema schema, std::shared_ptr<arrow::Schema> arrow_schema,
                std::shared_ptr<FsOutputStream> sink, std::unique_ptr<::parquet::arrow::FileWriter> writer)
      : path_(std::move(path)),
        schema_(std::move(schema)),
        arrow_schema_(std::move(arrow_schema)),
        sink_(std::move(sink)),
        writer_(std::move(writer)) {}
  ~ParquetWriter() override {
    if (!closed_) (void)sink_->Abort();
  }

  core::Status Write(const ColumnBatch& batch) override {
    if (batch.num_columns() != static_cast<int>(schema_.size())) {
      return core::Status::InvalidArgument(path_ + ": batch has " + std::to_string(batch.num_columns()) +
                                           " columns, schema " + std::to_string(schema_.size()));
    }
    int64_t rows = static_cast<int64_t>(batch.num_rows());
    if (rows == 0) return core::Status::Ok();
    std::vector<std::shared_ptr<arrow::Array>> arrays;
    for (int i = 0; i < batch.num_columns(); ++i) {
      const Column& column = batch.column(i);
      if (column.spec.name != schema_[static_cast<size_t>(i)].name ||
          column.spec.type != schema_[static_cast<size_t>(i)].type ||
          static_cast<int64_t>(DataSize(column.data)) != rows) {
        return core::Status::InvalidArgument(path_ + ": column " + column.spec.name +
                                             " does not match the schema or the row count");
      }
      auto array = ToArrow(column, rows);
      if (!array.ok()) return FromArrow(array.status(), path_ + ": column " + column.spec.name);
      arrays.push_back(*array);
    }
    auto record_batch = arrow::RecordBatch::Make(arrow_schema_, rows, arrays);
    TRAFFIC_RETURN_IF_ERROR(FromArrow(writer_->WriteRecordBatch(*record_batch), "write " + path_));
    rows_ += rows;
    return core::Status::Ok();
  }

  core::Status Close() override {
    if (closed_) return core::Status::Ok();
    closed_ = true;
    TRAFFIC_RETURN_IF_ERROR(FromArrow(writer_->Close(), "finish " + path_));
    return FromArrow(sink_->Close(), "close " + path_);
  }
  int64_t rows_written() const override { return rows_; }

 private:
  std::string path_;
  Schema schema_;
  std::shared_ptr<arrow::Schema> arrow_schema_;
  std::shared_ptr<FsOutputStream> sink_;
  std::unique_ptr<::parquet::arrow::FileWriter> writer_;
  int64_t rows_ = 0;
  bool closed_ = false;
};

// ---- reader ------------------------------------------------------------------------------

core::Result<ColumnSpec> SpecFor(const arrow::Field& field, const std::string& path) {
  ColumnSpec spec{field.name(), ColumnType::kInt64, field.nullable()};
  switch (field.type()->id()) {
    case arrow::Type::BOOL:
      spec.type = ColumnType::kBool;
      break;
    case arrow::Type::INT8:
      spec.type = ColumnType::kInt8;
      break;
    case arrow::Type::INT16:
      spec.type = ColumnType::kInt16;
      break;
    case arrow::Type::INT32:
      spec.type = ColumnType::kInt32;
      break;
    case arrow::Type::INT64:
      spec.type = ColumnType::kInt64;
      break;
    case arrow::Type::UINT64:
      spec.type = ColumnType::kUInt64;
      break;
    case arrow::Type::FLOAT:
      spec.type = ColumnType::kFloat;
      break;
    case arrow::Type::DOUBLE:
      spec.type = ColumnType::kDouble;
      break;
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
    case arrow::Type::DICTIONARY:
      spec.type = ColumnType::kString;
      break;
    case arrow::Type::TIMESTAMP:
      spec.type = ColumnType::kTimestampMs;
      break;
    default:
      return core::Status::InvalidArgument(path + ": column " + field.name() + " has type " + field.type()->ToString() +
                                           ", which we do not read");
  }
  return spec;
}

template <typename T, typename ArrowArray>
void AppendNumeric(const ArrowArray& array, std::vector<T>* out) {
  for (int64_t i = 0; i < array.length(); ++i) out->push_back(static_cast<T>(array.Value(i)));
}

core::Status AppendChunk(const arrow::Array& array, Column* column) {
  if (array.null_count() > 0 || !column->valid.empty()) {
    size_t before = DataSize(column->data);
    column->valid.resize(before, 1);
    for (int64_t i = 0; i < array.length(); ++i) column->valid.push_back(array.IsValid(i) ? 1 : 0);
  }
  switch (array.type_id()) {
    case arrow::Type::BOOL: {
      auto& a = static_cast<const arrow::BooleanArray&>(array);
      auto& out = std::get<std::vector<uint8_t>>(column->data);
      for (int64_t i = 0; i < a.length(); ++i) out.push_back(a.Value(i) ? 1 : 0);
      return core::Status::Ok();
    }
    case arrow::Type::INT8:
      AppendNumeric(static_cast<const arrow::Int8Array&>(array), &std::get<std::vector<int8_t>>(column->data));
      return core::Status::Ok();
    case arrow::Type::INT16:
      AppendNumeric(static_cast<const arrow::Int16Array&>(array), &std::get<std::vector<int16_t>>(column->data));
      return core::Status::Ok();
    case arrow::Type::INT32:
      AppendNumeric(static_cast<const arrow::Int32Array&>(array), &std::get<std::vector<int32_t>>(column->data));
      return core::Status::Ok();
    case arrow::Type::INT64:
      AppendNumeric(static_cast<const arrow::Int64Array&>(array), &std::get<std::vector<int64_t>>(column->data));
      return core::Status::Ok();
    case arrow::Type::UINT64:
      AppendNumeric(static_cast<const arrow::UInt64Array&>(array), &std::get<std::vector<uint64_t>>(column->data));
      return core::Status::Ok();
    case arrow::Type::FLOAT:
      AppendNumeric(static_cast<const arrow::FloatArray&>(array), &std::get<std::vector<float>>(column->data));
      return core::Status::Ok();
    case arrow::Type::DOUBLE:
      AppendNumeric(static_cast<const arrow::DoubleArray&>(array), &std::get<std::vector<double>>(column->data));
      return core::Status::Ok();
    case arrow::Type::TIMESTAMP: {
      auto& a = static_cast<const arrow::TimestampArray&>(array);
      auto unit = static_cast<const arrow::TimestampType&>(*a.type()).unit();
      int64_t mul = 1, div = 1;
      if (unit == arrow::TimeUnit::SECOND) mul = 1000;
      if (unit == arrow::TimeUnit::MICRO) div = 1000;
      if (unit == arrow::TimeUnit::NANO) div = 1000000;
      auto& out = std::get<std::vector<int64_t>>(column->data);
      for (int64_t i = 0; i < a.length(); ++i) out.push_back(a.Value(i) * mul / div);
      return core::Status::Ok();
    }
    case arrow::Type::STRING: {
      auto& a = static_cast<const arrow::StringArray&>(array);
      auto& out = std::get<std::vector<std::string>>(column->data);
      for (int64_t i = 0; i < a.length(); ++i) out.emplace_back(a.GetView(i));
      return core::Status::Ok();
    }
    case arrow::Type::LARGE_STRING: {
      auto& a = static_cast<const arrow::LargeStringArray&>(array);
      auto& out = std::get<std::vector<std::string>>(column->data);
      for (int64_t i = 0; i < a.length(); ++i) out.emplace_back(a.GetView(i));
      return core::Status::Ok();
    }
    case arrow::Type::DICTIONARY: {
      auto& a = static_cast<const arrow::DictionaryArray&>(array);
      auto& out = std::get<std::vector<std::string>>(column->data);
      auto& dict = *a.dictionary();
      for (int64_t i = 0; i < a.length(); ++i) {
        if (a.IsNull(i)) {
          out.emplace_back();
          continue;
        }
        int64_t code = a.GetValueIndex(i);
        if (dict.type_id() == arrow::Type::STRING) {
          out.emplace_back(static_cast<const arrow::StringArray&>(dict).GetView(code));
        } else {
          return core::Status::InvalidArgument("column " + column->spec.name + ": dictionary of non-strings");
        }
      }
      return core::Status::Ok();
    }
    default:
      return core::Status::InvalidArgument("column " + column->spec.name + ": unsupported type " +
                                           array.type()->ToString());
  }
}

class ParquetReader : public Reader {
 public:
  ParquetReader(std::string path, Schema schema, std::unique_ptr<::parquet::arrow::FileReader> reader)
      : path_(std::move(path)), schema_(std::move(schema)), reader_(std::move(reader)) {}
  const Schema& schema() const override { return schema_; }
  int64_t num_rows() const override { return reader_->parquet_reader()->metadata()->num_rows(); }
  int num_row_groups() const override { return reader_->num_row_groups(); }

  core::Result<ColumnBatch> ReadRowGroup(int index, const std::vector<std::string>& names) override {
    std::vector<int> indices;
    Schema selected;
    if (names.empty()) {
      for (size_t i = 0; i < schema_.size(); ++i) indices.push_back(static_cast<int>(i));
      selected = schema_;
    } else {
      for (const auto& name : names) {
        int found = -1;
        for (size_t i = 0; i < schema_.size(); ++i) {
          if (schema_[i].name == name) found = static_cast<int>(i);
        }
        if (found < 0) return core::Status::NotFound(path_ + ": no column '" + name + "'");
        indices.push_back(found);
        selected.push_back(schema_[static_cast<size_t>(found)]);
      }
    }
    // Field indices equal leaf column indices for the flat schemas we read.
    // A page whose CRC does not match (or that does not decode) is corruption, not an I/O error.
    const std::string what = "read " + path_ + " row group " + std::to_string(index);
    std::shared_ptr<arrow::Table> table;
    try {
      auto read = reader_->ReadRowGroup(index, indices);
      if (!read.ok()) {
        const arrow::Status& st = read.status();
        const std::string& m = st.message();
        bool corrupt =
            st.IsIOError() && (m.find("CRC") != std::string::npos || m.find("checksum") != std::string::npos);
        if (corrupt || st.IsInvalid()) return core::Status::Corrupt(what + ": " + st.ToString());
        return FromArrow(st, what);
      }
      table = *std::move(read);
    } catch (const std::exception& e) {
      return core::Status::Corrupt(what + ": " + e.what());
    }
    ColumnBatch batch(selected);
    for (size_t c = 0; c < indices.size(); ++c) {
      for (const auto& chunk : table->column(static_cast<int>(c))->chunks()) {
        core::Status st = AppendChunk(*chunk, &batch.column(static_cast<int>(c)));
        if (!st.ok()) return st.WithContext(path_);
      }
    }
    return batch;
  }

 private:
  std::string path_;
  Schema schema_;
  std::unique_ptr<::parquet::arrow::FileReader> reader_;
};

}  // namespace

ColumnBatch::ColumnBatch(const Schema& schema) {
  for (const auto& spec : schema) columns_.push_back(Column{spec, EmptyData(spec.type), {}, {}});
}

const Schema ColumnBatch::schema() const {
  Schema out;
  for (const auto& c : columns_) out.push_back(c.spec);
  return out;
}

size_t ColumnBatch::num_rows() const { return columns_.empty() ? 0 : DataSize(columns_[0].data); }

void ColumnBatch::Clear() {
  for (auto& c : columns_) {
    std::visit([](auto& v) { v.clear(); }, c.data);
    c.valid.clear();
  }
}

int ColumnBatch::Find(const std::string& name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].spec.name == name) return static_cast<int>(i);
  }
  return -1;
}

core::Result<std::unique_ptr<Writer>> Writer::Open(fs::FileSystem& fs, const std::string& path, const Schema& schema,
                                                   const WriterOptions& options) {
  arrow::FieldVector fields;
  for (const auto& spec : schema) fields.push_back(arrow::field(spec.name, ArrowType(spec.type), spec.nullable));
  auto arrow_schema = arrow::schema(fields);
  TRAFFIC_ASSIGN_OR_RETURN(auto file, fs.OpenWrite(path, fs::WriteMode::kAtomic));
  auto sink = std::make_shared<FsOutputStream>(std::move(file));
  ::parquet::WriterProperties::Builder builder;
  builder.compression(::parquet::Compression::ZSTD)
      ->compression_level(options.zstd_level)
      ->max_row_group_length(options.row_group_rows)
      ->enable_page_checksum();  // CRC-32 per page, verified by Reader: a flipped bit is an error
  // Dictionary encoding pays for low-cardinality columns (cells, flags, hours); for coordinates,
  // speeds, ids and timestamps it only costs a hash table per value.
  for (const auto& spec : schema) {
    switch (spec.type) {
      case ColumnType::kFloat:
      case ColumnType::kDouble:
      case ColumnType::kUInt64:
      case ColumnType::kInt64:
      case ColumnType::kTimestampMs:
        builder.disable_dictionary(spec.name);
        break;
      default:
        break;
    }
  }
  auto properties = builder.build();
  auto arrow_properties = ::parquet::ArrowWriterProperties::Builder().store_schema()->build();
  auto writer = ::parquet::arrow::FileWriter::Open(*arrow_schema, arrow::default_memory_pool(), sink, properties,
                                                   arrow_properties);
  if (!writer.ok()) return FromArrow(writer.status(), "open " + path);
  return std::unique_ptr<Writer>(new ParquetWriter(path, schema, arrow_schema, sink, std::move(*writer)));
}

core::Result<std::unique_ptr<Reader>> Reader::Open(fs::FileSystem& fs, const std::string& path) {
  TRAFFIC_ASSIGN_OR_RETURN(auto file, fs.OpenRead(path));
  TRAFFIC_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  auto input = std::make_shared<FsRandomAccessFile>(std::move(file), static_cast<int64_t>(size));
  std::unique_ptr<::parquet::arrow::FileReader> reader;
  // Parquet throws on a corrupt footer; we turn that into a Status here, at the edge.
  try {
    ::parquet::ReaderProperties properties(arrow::default_memory_pool());
    properties.set_page_checksum_verification(true);  // pages written without a CRC pass unchecked
    ::parquet::arrow::FileReaderBuilder builder;
    arrow::Status st = builder.Open(input, properties);
    if (!st.ok()) return core::Status::Corrupt("open " + path + ": " + st.ToString());
    auto opened = builder.memory_pool(arrow::default_memory_pool())->Build();
    if (!opened.ok()) return core::Status::Corrupt("open " + path + ": " + opened.status().ToString());
    reader = std::move(*opened);
  } catch (const std::exception& e) {
    return core::Status::Corrupt("open " + path + ": " + e.what());
  }
  std::shared_ptr<arrow::Schema> arrow_schema;
  TRAFFIC_RETURN_IF_ERROR(FromArrow(reader->GetSchema(&arrow_schema), "schema of " + path));
  Schema schema;
  for (const auto& field : arrow_schema->fields()) {
    TRAFFIC_ASSIGN_OR_RETURN(ColumnSpec spec, SpecFor(*field, path));
    schema.push_back(spec);
  }
  return std::unique_ptr<Reader>(new ParquetReader(path, std::move(schema), std::move(reader)));
}

}  // namespace traffic::parquet
