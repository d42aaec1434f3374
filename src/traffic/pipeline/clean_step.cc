#include "traffic/pipeline/clean_step.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

#include "traffic/core/json_writer.h"
#include "traffic/parquet/table.h"
#include "traffic/pipeline/staged_output.h"
#include "traffic/pipeline/trip_table.h"

namespace traffic::pipeline {
namespace {

using trip::RejectReason;

constexpr size_t kReadChunk = size_t{8} << 20;
// Rows handed to the Parquet writer at a time: small enough that the column vectors stay in
// cache-friendly, reused memory; the writer still forms row groups of WriterOptions::row_group_rows.
constexpr size_t kWriteBatchRows = 65536;
// Readers (features, produce) hold one row group per open month: keep them modest.
constexpr int64_t kRowGroupRows = 262144;

struct SpillRecord {
  trip::Trip trip;
  uint32_t file = 0;
  uint64_t line = 0;
};
static_assert(std::is_trivially_copyable_v<SpillRecord>);

// Records in fixed-size chunks drawn from a pool: growing never copies, and memory freed by a
// spilled or finished month is reused instead of being returned to the OS and faulted in again
// (page clearing was the largest cost of a naive vector).
class RecordChunks {
 public:
  static constexpr size_t kPerChunk = 16384;
  using Chunk = std::unique_ptr<SpillRecord[]>;

  explicit RecordChunks(std::vector<Chunk>* pool) : pool_(pool) {}
  size_t size() const { return size_; }
  void push_back(const SpillRecord& r) {
    if (size_ == chunks_.size() * kPerChunk) chunks_.push_back(Take());
    chunks_[size_ / kPerChunk][size_ % kPerChunk] = r;
    ++size_;
  }
  SpillRecord& operator[](size_t i) { return chunks_[i / kPerChunk][i % kPerChunk]; }
  // Appends up to one chunk's worth of raw records read by `read(buffer, max_bytes)`.
  template <typename ReadFn>
  core::Result<size_t> AppendFrom(ReadFn&& read) {
    if (size_ == chunks_.size() * kPerChunk) chunks_.push_back(Take());
    size_t free = chunks_.size() * kPerChunk - size_;
    char* dest = reinterpret_cast<char*>(&(*this)[size_]);
    TRAFFIC_ASSIGN_OR_RETURN(size_t bytes, read(dest, free * sizeof(SpillRecord)));
    size_ += bytes / sizeof(SpillRecord);
    return bytes;
  }
  // Writes every record with `write(bytes)`, chunk by chunk.
  template <typename WriteFn>
  core::Status WriteTo(WriteFn&& write) const {
    for (size_t c = 0; c * kPerChunk < size_; ++c) {
      size_t n = std::min(kPerChunk, size_ - c * kPerChunk);
      TRAFFIC_RETURN_IF_ERROR(
          write(std::string_view(reinterpret_cast<const char*>(chunks_[c].get()), n * sizeof(SpillRecord))));
    }
    return core::Status::Ok();
  }
  void Release() {
    for (auto& chunk : chunks_) pool_->push_back(std::move(chunk));
    chunks_.clear();
    size_ = 0;
  }

 private:
  Chunk Take() {
    if (pool_->empty()) return Chunk(new SpillRecord[kPerChunk]);
    Chunk chunk = std::move(pool_->back());
    pool_->pop_back();
    return chunk;
  }
  std::vector<Chunk>* pool_;
  std::vector<Chunk> chunks_;
  size_t size_ = 0;
};

struct MonthBuffer {
  explicit MonthBuffer(std::vector<RecordChunks::Chunk>* pool) : records(pool) {}
  RecordChunks records;
  std::unique_ptr<fs::WritableFile> spill;
  std::string spill_path;
  uint64_t spilled = 0;
};

std::string CsvQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"')
      out += "\"\"";
    else if (c == '\0')
      out += "\\0";
    else
      out.push_back(c);
  }
  out += "\"";
  return out;
}

// Reads until `n` bytes or the end of the file.
core::Result<size_t> ReadFull(fs::ReadableFile& in, char* dest, size_t n) {
  size_t done = 0;
  while (done < n) {
    TRAFFIC_ASSIGN_OR_RETURN(size_t got, in.Read(dest + done, n - done));
    if (got == 0) break;
    done += got;
  }
  return done;
}

class RejectsWriter {
 public:
  core::Status Open(fs::FileSystem& fs, const std::string& path) {
    if (path.empty()) return core::Status::Ok();
    TRAFFIC_ASSIGN_OR_RETURN(file_, fs.OpenWrite(path, fs::WriteMode::kAtomic));
    buffer_ = "source_file,line,reason,detail,record\n";
    return core::Status::Ok();
  }
  core::Status Add(const std::string& file, uint64_t line, RejectReason reason, std::string_view detail,
                   std::string_view record) {
    if (!file_) return core::Status::Ok();
    buffer_ += CsvQuote(file);
    buffer_ += ',' + std::to_string(line) + ',';
    buffer_ += trip::RejectReasonName(reason);
    buffer_ += ',' + CsvQuote(detail) + ',' + CsvQuote(record) + '\n';
    if (buffer_.size() > (1 << 20)) return Flush();
    return core::Status::Ok();
  }
  core::Status Close() {
    if (!file_) return core::Status::Ok();
    TRAFFIC_RETURN_IF_ERROR(Flush());
    return file_->Close();
  }

 private:
  core::Status Flush() {
    core::Status st = file_->Append(buffer_);
    buffer_.clear();
    return st;
  }
  std::unique_ptr<fs::WritableFile> file_;
  std::string buffer_;
};

class CleanRun {
 public:
  CleanRun(fs::FileSystem& input, fs::FileSystem& output, fs::FileSystem& rejects_fs, const ReferenceData& reference,
           const geo::Grid& grid, const CleanOptions& options)
      : input_(input),
        output_(output),
        rejects_fs_(rejects_fs),
        reference_(reference),
        grid_(grid),
        options_(options),
        rules_(options.rules),
        staged_(output, options.output_dir) {
    if (!rules_.now) {
      rules_.now = options.now ? *options.now
                               : std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    }
  }
  ~CleanRun() {
    for (auto& [key, month] : months_) month.spill.reset();
  }

  core::Result<CleanSummary> Run() {
    auto started = std::chrono::steady_clock::now();
    TRAFFIC_ASSIGN_OR_RETURN(std::vector<fs::FileInfo> files, ExpandInputs());
    for (const auto& f : files) total_bytes_ += f.size_bytes;
    TRAFFIC_RETURN_IF_ERROR(CheckOutputsApartFromInputs());
    TRAFFIC_RETURN_IF_ERROR(staged_.Begin());
    staging_ = staged_.staging_dir();
    TRAFFIC_RETURN_IF_ERROR(rejects_.Open(rejects_fs_, options_.rejects_path));
    for (size_t i = 0; i < files.size(); ++i) {
      TRAFFIC_RETURN_IF_ERROR(CleanFile(files[i], static_cast<uint32_t>(i)));
    }
    for (auto& [key, month] : months_) TRAFFIC_RETURN_IF_ERROR(FinishMonth(key, month));
    months_.clear();
    if (summary_.rows_written == 0 && !options_.allow_empty) {
      // An empty result never replaces a good one: the staging folder (and the unclosed rejects
      // file) are discarded, the previous output stays.
      return core::Status::InvalidArgument(
          "no clean trips: " + std::to_string(files.size()) + " file(s), " + std::to_string(summary_.rows_read) +
          " row(s) read, " + std::to_string(summary_.rejects.Total()) + " rejected, " +
          std::to_string(summary_.blank_lines) + " blank line(s); " + options_.output_dir +
          " was left as it was (--allow-empty writes an empty output)");
    }
    TRAFFIC_RETURN_IF_ERROR(rejects_.Close());
    summary_.files = static_cast<int64_t>(files.size());
    summary_.output_dir = options_.output_dir;
    summary_.rejects_path = options_.rejects_path;
    summary_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    TRAFFIC_RETURN_IF_ERROR(staged_.Commit(summary_.ToJson()));
    return summary_;
  }

 private:
  core::Result<std::vector<fs::FileInfo>> ExpandInputs() {
    std::vector<fs::FileInfo> files;
    if (options_.inputs.empty()) return core::Status::InvalidArgument("no input given");
    for (const auto& path : options_.inputs) {
      TRAFFIC_ASSIGN_OR_RETURN(fs::FileInfo info, input_.Stat(path));
      if (!info.is_directory) {
        info.path = path;
        files.push_back(info);
        continue;
      }
      TRAFFIC_ASSIGN_OR_RETURN(auto found, input_.ListFilesRecursive(path, {".csv"}));
      if (found.empty()) return core::Status::NotFound("no CSV files in folder " + path);
      files.insert(files.end(), found.begin(), found.end());
    }
    return files;
  }

  // Issue 8 #4: no output may overwrite, land inside, or swallow an input.
  core::Status CheckOutputsApartFromInputs() {
    auto inside = [](const std::string& path, const std::string& folder) {
      return path.size() > folder.size() && path.compare(0, folder.size(), folder) == 0 &&
             (folder.back() == '/' || path[folder.size()] == '/');
    };
    const std::string output = output_.CanonicalPath(options_.output_dir);
    const std::string rejects = options_.rejects_path.empty() ? "" : rejects_fs_.CanonicalPath(options_.rejects_path);
    for (const auto& given : options_.inputs) {
      const std::string input = input_.CanonicalPath(given);
      if (output == input || inside(output, input) || inside(input, output)) {
        return core::Status::InvalidArgument(
            "the output folder " + options_.output_dir + " and the input " + given +
            (output == input         ? " are the same"
             : inside(output, input) ? ": the output lies inside the input folder"
                                     : ": the input lies inside the output folder, which the run replaces") +
            "; refusing to write over an input");
      }
      if (!rejects.empty() && (rejects == input || inside(rejects, input))) {
        return core::Status::InvalidArgument("--rejects " + options_.rejects_path +
                                             (rejects == input ? " is the input " : " lies inside the input folder ") +
                                             given + "; refusing to write over an input");
      }
    }
    if (!rejects.empty() && (rejects == output || inside(rejects, output))) {
      return core::Status::InvalidArgument("--rejects " + options_.rejects_path + " lies inside the output folder " +
                                           options_.output_dir + ", which the run replaces");
    }
    return core::Status::Ok();
  }

  core::Status FileError(FileSummary& file, const std::string& message) {
    if (!options_.skip_bad_files) return core::Status::InvalidArgument(message);
    file.error = message;
    return core::Status::Ok();
  }

  core::Status CleanFile(const fs::FileInfo& info, uint32_t file_index) {
    summary_.file_summaries.push_back({info.path, "", 0, 0, ""});
    FileSummary& file = summary_.file_summaries.back();
    TRAFFIC_ASSIGN_OR_RETURN(auto in, input_.OpenRead(info.path));
    std::string buffer(kReadChunk * 2, '\0');
    size_t start = 0, end = 0;
    uint64_t line_number = 0;
    chunk_has_nul_ = false;
    std::optional<csv::TripRowParser> parser;
    bool eof = false;
    bool skipping_long_record = false;
    uint64_t file_bytes = 0;
    while (!eof || start < end) {
      if (!eof) {
        if (start > 0) {  // keep the partial line, make room
          std::memmove(buffer.data(), buffer.data() + start, end - start);
          end -= start;
          start = 0;
        }
        if (buffer.size() - end < kReadChunk) buffer.resize(end + kReadChunk);
        TRAFFIC_ASSIGN_OR_RETURN(size_t got, in->Read(buffer.data() + end, buffer.size() - end));
        if (got == 0) eof = true;
        if (std::memchr(buffer.data() + end, '\0', got) != nullptr) chunk_has_nul_ = true;
        end += got;
        file_bytes += got;
        summary_.bytes_read += got;
      }
      // Every complete line; at end of file, the last one even without a newline.
      while (start < end) {
        const char* p = buffer.data() + start;
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - start));
        if (skipping_long_record) {  // the rest of an over-long record: drop it up to its newline
          start = nl ? static_cast<size_t>(nl - buffer.data()) + 1 : end;
          if (nl) skipping_long_record = false;
          continue;
        }
        size_t length = nl ? static_cast<size_t>(nl - p) : end - start;
        if (length > options_.max_record_bytes) {
          // Rejected without being held: memory stays bounded whatever the input (issue 8 #12).
          ++line_number;
          std::string_view head(p, std::min<size_t>(length, 256));
          start = nl ? start + length + 1 : end;
          skipping_long_record = nl == nullptr && !eof;
          std::string detail = "record longer than " + std::to_string(options_.max_record_bytes) +
                               " bytes (--max-record-bytes); reading resumes at the next line";
          if (!parser) return FileError(file, info.path + ":" + std::to_string(line_number) + ": header " + detail);
          ++file.rows;
          ++summary_.rows_read;
          summary_.rejects.Add(RejectReason::kMalformedRow);
          TRAFFIC_RETURN_IF_ERROR(rejects_.Add(info.path, line_number, RejectReason::kMalformedRow, detail, head));
          continue;
        }
        if (nl == nullptr && !eof) break;
        start += length + (nl ? 1 : 0);
        ++line_number;
        std::string_view line(p, length);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
          if (parser) ++summary_.blank_lines;
          continue;
        }
        if (!parser) {
          auto layout = csv::DetectLayout(line);
          if (!layout.ok()) {
            return FileError(file, info.path + ":" + std::to_string(line_number) + ": " + layout.status().message());
          }
          parser.emplace(*layout, &reference_.zones, options_.parse);
          file.layout = std::string(csv::LayoutKindName(layout->kind));
          continue;
        }
        ++file.rows;
        TRAFFIC_RETURN_IF_ERROR(HandleRow(*parser, line, info.path, file_index, line_number, file));
      }
      if (options_.progress) {
        options_.progress({summary_.bytes_read, total_bytes_, summary_.rows_read, info.path});
      }
    }
    if (!parser) return FileError(file, info.path + ": empty file (no header line)");
    return core::Status::Ok();
  }

  core::Status HandleRow(csv::TripRowParser& parser, std::string_view line, const std::string& path,
                         uint32_t file_index, uint64_t line_number, FileSummary& file) {
    ++summary_.rows_read;
    SpillRecord record;
    if (auto reject = parser.Parse(line, &record.trip, chunk_has_nul_)) {
      summary_.rejects.Add(reject->reason);
      return rejects_.Add(path, line_number, reject->reason, reject->detail, line);
    }
    if (auto reason = clean::CheckTrip(record.trip, rules_)) {
      summary_.rejects.Add(*reason);
      return rejects_.Add(path, line_number, *reason, "", line);
    }
    ++file.accepted;
    record.file = file_index;
    record.line = line_number;
    clean::MonthKey key = clean::MonthOfPickup(record.trip);
    if (current_ == nullptr || !(key == current_key_)) {
      current_ = &months_.try_emplace(key, &pool_).first->second;
      current_key_ = key;
    }
    current_->records.push_back(record);
    buffered_ += 1;
    if (buffered_ * sizeof(SpillRecord) > options_.memory_budget_bytes) TRAFFIC_RETURN_IF_ERROR(SpillLargest());
    return core::Status::Ok();
  }

  core::Status SpillLargest() {
    auto largest = std::max_element(months_.begin(), months_.end(), [](const auto& a, const auto& b) {
      return a.second.records.size() < b.second.records.size();
    });
    MonthBuffer& month = largest->second;
    if (!month.spill) {
      month.spill_path = fs::JoinPath(staging_, "_spill-" + std::to_string(largest->first.year) + "-" +
                                                    std::to_string(largest->first.month) + ".bin");
      TRAFFIC_ASSIGN_OR_RETURN(month.spill, output_.OpenWrite(month.spill_path, fs::WriteMode::kTruncate));
    }
    TRAFFIC_RETURN_IF_ERROR(month.records.WriteTo([&](std::string_view bytes) { return month.spill->Append(bytes); }));
    month.spilled += month.records.size();
    buffered_ -= month.records.size();
    month.records.Release();
    return core::Status::Ok();
  }

  core::Status FinishMonth(const clean::MonthKey& key, MonthBuffer& month) {
    RecordChunks records(&pool_);
    if (month.spill) {
      // Spilled records first: they came first in input order.
      TRAFFIC_RETURN_IF_ERROR(month.spill->Close());
      month.spill.reset();
      TRAFFIC_ASSIGN_OR_RETURN(auto in, output_.OpenRead(month.spill_path));
      while (true) {
        TRAFFIC_ASSIGN_OR_RETURN(size_t got,
                                 records.AppendFrom([&](char* dest, size_t max) { return ReadFull(*in, dest, max); }));
        if (got == 0) break;
      }
      if (records.size() != month.spilled) {
        return core::Status::IoError(month.spill_path + ": read back " + std::to_string(records.size()) +
                                     " spilled records, wrote " + std::to_string(month.spilled));
      }
      TRAFFIC_RETURN_IF_ERROR(output_.RemoveAll(month.spill_path));
    }
    for (size_t i = 0; i < month.records.size(); ++i) records.push_back(month.records[i]);
    month.records.Release();
    // Event-time order; exact duplicates (same raw record hash) become neighbours, the first
    // occurrence in input order is kept.
    // Sorting small keys and gathering beats moving the 96-byte records around.
    struct Key {
      int64_t dropoff;
      uint64_t event_id;
      uint32_t index;  // input order: file, then line, as records were appended (or spilled)
    };
    std::vector<Key> keys(records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      keys[i] = {core::ToEpochSeconds(records[i].trip.dropoff_time), records[i].trip.event_id,
                 static_cast<uint32_t>(i)};
    }
    std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
      if (a.dropoff != b.dropoff) return a.dropoff < b.dropoff;
      if (a.event_id != b.event_id) return a.event_id < b.event_id;
      return a.index < b.index;
    });
    char partition[64];
    std::snprintf(partition, sizeof partition, "year=%04d/month=%02d/part-00000.parquet", key.year, key.month);
    std::string path = fs::JoinPath(staging_, partition);
    parquet::WriterOptions writer_options;
    writer_options.row_group_rows = kRowGroupRows;
    TRAFFIC_ASSIGN_OR_RETURN(auto writer, parquet::Writer::Open(output_, path, TripTableSchema(), writer_options));
    if (!builder_) builder_.emplace(grid_, reference_.manhattan);
    TripTableBuilder& builder = *builder_;
    builder.Clear();
    const SpillRecord* previous = nullptr;
    for (const Key& key_of_record : keys) {
      const SpillRecord& r = records[key_of_record.index];
      if (previous != nullptr && previous->trip.event_id == r.trip.event_id &&
          previous->trip.dropoff_time == r.trip.dropoff_time) {
        summary_.rejects.Add(RejectReason::kDuplicate);
        const std::string& first = summary_.file_summaries[previous->file].path;
        TRAFFIC_RETURN_IF_ERROR(rejects_.Add(summary_.file_summaries[r.file].path, r.line, RejectReason::kDuplicate,
                                             "same record as " + first + ":" + std::to_string(previous->line), ""));
        continue;
      }
      previous = &r;
      builder.Append(r.trip);
      if (builder.rows() >= kWriteBatchRows) {
        TRAFFIC_RETURN_IF_ERROR(writer->Write(builder.batch()));
        builder.Clear();
      }
    }
    TRAFFIC_RETURN_IF_ERROR(writer->Write(builder.batch()));
    TRAFFIC_RETURN_IF_ERROR(writer->Close());
    records.Release();
    summary_.rows_written += writer->rows_written();
    summary_.partitions.push_back(
        {key.year, key.month, writer->rows_written(), fs::JoinPath(options_.output_dir, partition)});
    return core::Status::Ok();
  }

  fs::FileSystem& input_;
  fs::FileSystem& output_;
  fs::FileSystem& rejects_fs_;
  const ReferenceData& reference_;
  const geo::Grid& grid_;
  const CleanOptions& options_;
  clean::CleaningRules rules_;  // options_.rules with `now` filled in
  StagedOutput staged_;
  std::string staging_;  // set by Begin()
  uint64_t total_bytes_ = 0;
  std::optional<TripTableBuilder> builder_;  // reused across months: its vectors keep their memory
  std::vector<RecordChunks::Chunk> pool_;    // declared before the months that borrow from it
  std::map<clean::MonthKey, MonthBuffer> months_;
  MonthBuffer* current_ = nullptr;
  clean::MonthKey current_key_;
  size_t buffered_ = 0;
  bool chunk_has_nul_ = false;  // sticky per file: once seen, every line is checked
  RejectsWriter rejects_;
  CleanSummary summary_;
};

}  // namespace

std::string CleanSummary::ToJson() const {
  core::JsonWriter j;
  j.BeginObject();
  j.Key("step").String("clean");
  j.Key("files").Int(files);
  j.Key("bytes_read").Int(static_cast<int64_t>(bytes_read));
  j.Key("rows_read").Int(rows_read);
  j.Key("blank_lines").Int(blank_lines);
  j.Key("rows_written").Int(rows_written);
  j.Key("rows_rejected").Int(rejects.Total());
  j.Key("rejects").BeginObject();
  for (int i = 0; i < trip::kRejectReasonCount; ++i) {
    j.Key(trip::RejectReasonName(static_cast<RejectReason>(i))).Int(rejects.by_reason[static_cast<size_t>(i)]);
  }
  j.EndObject();
  j.Key("seconds").Double(seconds);
  j.Key("mb_per_s").Double(seconds > 0 ? static_cast<double>(bytes_read) / 1e6 / seconds : 0);
  j.Key("rows_per_s").Double(seconds > 0 ? static_cast<double>(rows_read) / seconds : 0);
  j.Key("output_dir").String(output_dir);
  j.Key("rejects_file").String(rejects_path);
  j.Key("partitions").BeginArray();
  for (const auto& p : partitions) {
    j.BeginObject();
    j.Key("year").Int(p.year);
    j.Key("month").Int(p.month);
    j.Key("rows").Int(p.rows);
    j.Key("path").String(p.path);
    j.EndObject();
  }
  j.EndArray();
  j.Key("input_files").BeginArray();
  for (const auto& f : file_summaries) {
    j.BeginObject();
    j.Key("path").String(f.path);
    j.Key("layout").String(f.layout);
    j.Key("rows").Int(f.rows);
    j.Key("accepted").Int(f.accepted);
    if (!f.error.empty()) j.Key("skipped").String(f.error);
    j.EndObject();
  }
  j.EndArray();
  j.EndObject();
  return j.str();
}

core::Result<CleanSummary> RunClean(fs::FileSystem& input, fs::FileSystem& output, fs::FileSystem& rejects,
                                    const ReferenceData& reference, const geo::Grid& grid,
                                    const CleanOptions& options) {
  CleanRun run(input, output, rejects, reference, grid, options);
  return run.Run();
}

}  // namespace traffic::pipeline
