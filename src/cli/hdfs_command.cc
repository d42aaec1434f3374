// traffic hdfs setup|upload|list|download|rm|health: the data lake on HDFS
// (pipeline/hdfs_admin.h), through WebHDFS at --hdfs-uri.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "commands.h"
#include "traffic/core/json_writer.h"
#include "traffic/core/text.h"
#include "traffic/core/time.h"
#include "traffic/fs/webhdfs_file_system.h"
#include "traffic/pipeline/hdfs_admin.h"

namespace traffic::cli {
namespace {

struct HdfsArgs {
  std::vector<std::string> paths;
  std::string to;
  bool overwrite = false;
  bool yes = false;
};

std::string Modified(const fs::FileInfo& info) {
  return core::FormatIsoUtc(core::UtcTime(std::chrono::seconds(info.modified_ns / 1'000'000'000)));
}

// A lake path: absolute as given, else below the layout root.
std::string InLake(const SharedOptions& shared, const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  return fs::JoinPath(shared.Layout().root, path);
}

void ShowTransfer(ProgressLine* line, const char* verb, const pipeline::TransferProgress& p, double seconds) {
  double percent =
      p.total_bytes > 0 ? 100.0 * static_cast<double>(p.done_bytes) / static_cast<double>(p.total_bytes) : 100.0;
  double rate = seconds > 0 ? static_cast<double>(p.done_bytes) / seconds : 0;
  line->Update(fmt::format("{} {:5.1f}%  {} / {}  file {}/{}  {}/s  {}", verb, percent, FormatBytes(p.done_bytes),
                           FormatBytes(p.total_bytes), std::min(p.files_done + 1, p.files_total), p.files_total,
                           FormatBytes(static_cast<uint64_t>(rate)), p.file));
}

int PrintTransfer(const SharedOptions& shared, const char* step, const pipeline::TransferSummary& s,
                  const std::string& from, const std::string& to) {
  double mb_s = s.seconds > 0 ? static_cast<double>(s.bytes) / s.seconds / 1e6 : 0;
  if (shared.json) {
    core::JsonWriter j;
    j.BeginObject().Key("step").String(step).Key("from").String(from).Key("to").String(to);
    j.Key("files").Int(static_cast<int64_t>(s.files.size())).Key("bytes").Int(static_cast<int64_t>(s.bytes));
    j.Key("seconds").Double(s.seconds, 3).Key("mb_per_s").Double(mb_s, 1).Key("copied").BeginArray();
    for (const auto& f : s.files) {
      j.BeginObject().Key("from").String(f.from).Key("to").String(f.to).Key("bytes").Int(static_cast<int64_t>(f.bytes));
      j.Key("size_verified").Bool(f.size_verified).Key("checksum_verified");
      if (f.checksum_verified.empty()) {
        j.Null();
      } else {
        j.String(f.checksum_verified);
      }
      j.EndObject();
    }
    j.EndArray().EndObject();
    fmt::print("{}\n", j.str());
    return kExitOk;
  }
  size_t checksums = 0;
  for (const auto& f : s.files) {
    fmt::print("{}  {}  ->  {}{}\n", FormatBytes(f.bytes), f.from, f.to,
               f.checksum_verified.empty() ? "" : "  (" + f.checksum_verified + " verified)");
    if (!f.checksum_verified.empty()) ++checksums;
  }
  fmt::print("{} {} file(s), {} in {:.1f} s ({:.1f} MB/s) from {} to {}; every size verified, {} checksum(s)\n", step,
             s.files.size(), FormatBytes(s.bytes), s.seconds, mb_s, from, to, checksums);
  return kExitOk;
}

}  // namespace

Command AddHdfsCommand(CLI::App& app, SharedOptions& shared) {
  auto* c = app.add_subcommand("hdfs", "The data lake on HDFS: setup, upload, list, download, rm, health");
  c->require_subcommand(1);
  auto args = std::make_shared<HdfsArgs>();
  auto* setup = c->add_subcommand("setup", "Create the storage layout (raw/, processed/, ...) on HDFS");
  auto* upload = c->add_subcommand("upload", "Copy raw trip files (CSV, Parquet) into the lake's raw/ folder");
  upload->add_option("FILES", args->paths, "files, or folders whose CSV / Parquet files are taken")->required();
  upload->add_option("--to", args->to, "the lake folder to copy into (default raw/; relative to the layout root)");
  upload->add_flag("--overwrite", args->overwrite, "replace files that already exist in the lake");
  auto* list = c->add_subcommand("list", "Show a lake folder as a tree, with sizes and dates");
  list->add_option("PATH", args->to, "lake path (default the layout root; relative to it)");
  auto* download = c->add_subcommand("download", "Copy files or folders from the lake to the local disk");
  download->add_option("PATHS", args->paths, "lake paths (relative to the layout root)")->required();
  download->add_option("--to", args->to, "local folder to copy into")->capture_default_str();
  download->add_flag("--overwrite", args->overwrite, "replace local files that already exist");
  auto* rm = c->add_subcommand("rm", "Remove a file or folder from the lake (never the layout root)");
  rm->add_option("PATH", args->to, "lake path (relative to the layout root)")->required();
  rm->add_flag("-y,--yes", args->yes, "do not ask");
  auto* health = c->add_subcommand("health", "NameNode and DataNode state, capacity, safe mode");
  // Only the options that mean something here: every `traffic hdfs` command is on HDFS (no
  // --hdfs), and none talks to Kafka or reads the geometry.
  for (auto* sub : {setup, upload, list, download, rm, health}) {
    sub->add_option("--data-dir", shared.data_dir,
                    std::string("the layout root in HDFS (default ") + kHdfsLayoutRoot + ")");
    sub->add_option("--hdfs-uri", shared.hdfs_uri,
                    "HDFS NameNode hdfs://HOST[:RPCPORT] (WebHDFS on its HTTP port 9870) or webhdfs://HOST:HTTPPORT "
                    "(default $TRAFFIC_HDFS_URI or hdfs://localhost:9000)");
    sub->add_flag("--json", shared.json, "print the result as one JSON object on stdout");
    sub->add_option("--log-level", shared.log_level, "trace, debug, info, warn, error or off")
        ->capture_default_str()
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  }

  return {
      c, [&shared, args, setup, upload, list, download, rm, health]() -> int {
        InitLogging(shared);
        shared.hdfs = true;  // every `traffic hdfs` command is about HDFS
        const std::string step = std::string("hdfs ") + (setup->parsed()      ? "setup"
                                                         : upload->parsed()   ? "upload"
                                                         : list->parsed()     ? "list"
                                                         : download->parsed() ? "download"
                                                         : rm->parsed()       ? "rm"
                                                                              : "health");
        fs::WebHdfsOptions options;
        options.uri = shared.HdfsUri();
        auto lake = fs::MakeWebHdfsFileSystem(options);
        if (!lake.ok()) return Fail(shared, lake.status(), step);
        fs::WebHdfsFileSystem& hdfs = **lake;
        const pipeline::DataLayout layout = shared.Layout();

        if (health->parsed()) {
          pipeline::HdfsHealth h = pipeline::CheckHdfsHealth(hdfs.client());
          if (shared.json) {
            fmt::print("{}\n", h.ToJson());
          } else if (!h.reachable) {
            fmt::print("NameNode {}: unreachable: {}\n", h.namenode, h.error);
          } else {
            fmt::print("NameNode {}: {}{}\n", h.namenode, h.state,
                       h.safe_mode_text.empty() ? "" : " (" + h.safe_mode_text + ")");
            fmt::print("DataNodes: {} live, {} dead\n", h.live_datanodes, h.dead_datanodes);
            fmt::print("Capacity: {} total, {} used, {} remaining\n", FormatBytes(h.capacity_bytes),
                       FormatBytes(h.used_bytes), FormatBytes(h.remaining_bytes));
            fmt::print("Namespace: {} files and folders, {} blocks\n", core::WithThousands(h.files),
                       core::WithThousands(h.blocks));
            fmt::print("{}\n", h.healthy() ? "healthy" : "NOT healthy");
          }
          return h.healthy() ? kExitOk : kExitFailure;
        }
        if (setup->parsed()) {
          auto created = pipeline::SetupLayout(hdfs, layout);
          if (!created.ok()) return Fail(shared, created.status(), step);
          if (shared.json) {
            core::JsonWriter j;
            j.BeginObject().Key("step").String(step).Key("root").String(hdfs.CanonicalPath(layout.root));
            j.Key("created").BeginArray();
            for (const auto& d : *created) j.String(d);
            j.EndArray().EndObject();
            fmt::print("{}\n", j.str());
          } else {
            for (const auto& d : *created) fmt::print("created {}\n", hdfs.CanonicalPath(d));
            fmt::print("layout ready at {} ({} folder(s) created)\n", hdfs.CanonicalPath(layout.root), created->size());
          }
          return kExitOk;
        }
        if (list->parsed()) {
          std::string path = InLake(shared, args->to);
          auto tree = pipeline::ListTree(hdfs, path);
          if (!tree.ok()) return Fail(shared, tree.status(), step);
          if (shared.json) {
            core::JsonWriter j;
            j.BeginObject().Key("step").String(step).Key("path").String(hdfs.CanonicalPath(path));
            j.Key("entries").BeginArray();
            for (const auto& e : *tree) {
              j.BeginObject().Key("path").String(e.info.path).Key("type").String(e.info.is_directory ? "dir" : "file");
              j.Key("bytes").Int(static_cast<int64_t>(e.info.size_bytes));
              j.Key("modified").String(Modified(e.info));
              j.Key("depth").Int(e.depth).EndObject();
            }
            j.EndArray().EndObject();
            fmt::print("{}\n", j.str());
            return kExitOk;
          }
          fmt::print("{}\n", hdfs.CanonicalPath(path));
          uint64_t bytes = 0;
          int files = 0;
          for (const auto& e : *tree) {
            std::string when = Modified(e.info).substr(0, 19);
            fmt::print("{:>10}  {}  {}{}{}\n", e.info.is_directory ? "" : FormatBytes(e.info.size_bytes), when,
                       std::string(2 * static_cast<size_t>(e.depth), ' '), e.info.name, e.info.is_directory ? "/" : "");
            if (!e.info.is_directory) {
              bytes += e.info.size_bytes;
              ++files;
            }
          }
          fmt::print("{} file(s), {}\n", files, FormatBytes(bytes));
          return kExitOk;
        }
        if (rm->parsed()) {
          std::string path = InLake(shared, args->to);
          if (!args->yes) {
            if (::isatty(STDIN_FILENO) != 1) {
              return Fail(shared,
                          core::Status::InvalidArgument("rm " + hdfs.CanonicalPath(path) +
                                                        ": asks for confirmation; not a terminal: pass --yes"),
                          step);
            }
            std::fprintf(stderr, "Remove %s and everything under it? [y/N] ", hdfs.CanonicalPath(path).c_str());
            std::string answer;
            std::getline(std::cin, answer);
            if (answer != "y" && answer != "Y" && answer != "yes") {
              std::fprintf(stderr, "not removed\n");
              return kExitFailure;
            }
          }
          if (auto st = pipeline::RemoveFromLake(hdfs, layout, path); !st.ok()) return Fail(shared, st, step);
          if (!shared.json)
            fmt::print("removed {}\n", hdfs.CanonicalPath(path));
          else
            fmt::print("{{\"step\":\"hdfs rm\",\"removed\":\"{}\"}}\n", hdfs.CanonicalPath(path));
          return kExitOk;
        }
        // upload / download
        auto local = fs::MakeLocalFileSystem();
        pipeline::TransferOptions transfer;
        transfer.overwrite = args->overwrite;
        ProgressLine line;
        auto started = std::chrono::steady_clock::now();
        auto since = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
        if (upload->parsed()) {
          transfer.suffixes = {".csv", ".parquet"};
          std::string to = args->to.empty() ? layout.Raw() : InLake(shared, args->to);
          auto s = pipeline::CopyFiles(
              *local, args->paths, hdfs, to, transfer,
              [&](const pipeline::TransferProgress& p) { ShowTransfer(&line, "upload", p, since()); });
          line.Finish();
          if (!s.ok()) return Fail(shared, s.status(), step);
          return PrintTransfer(shared, "uploaded", *s, "local disk", hdfs.CanonicalPath(to));
        }
        transfer.mode = fs::WriteMode::kAtomicUnsynced;  // a download can simply be made again
        std::vector<std::string> sources;
        for (const auto& p : args->paths) sources.push_back(InLake(shared, p));
        std::string to = args->to.empty() ? "." : args->to;
        auto s = pipeline::CopyFiles(hdfs, sources, *local, to, transfer, [&](const pipeline::TransferProgress& p) {
          ShowTransfer(&line, "download", p, since());
        });
        line.Finish();
        if (!s.ok()) return Fail(shared, s.status(), step);
        return PrintTransfer(shared, "downloaded", *s, hdfs.Describe(), to);
      }};
}

}  // namespace traffic::cli
