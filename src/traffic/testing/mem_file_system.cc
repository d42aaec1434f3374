#include "traffic/testing/mem_file_system.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace traffic::testing {
namespace {

using core::Result;
using core::Status;

// "a//b/./c/" -> "a/b/c"; ".." pops (never above the root, which is "").
std::string Normalize(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (std::string_view part : parts) {
    if (!out.empty()) out.push_back('/');
    out.append(part);
  }
  return out;
}

std::string Parent(const std::string& normalized) {
  size_t slash = normalized.rfind('/');
  return slash == std::string::npos ? std::string() : normalized.substr(0, slash);
}

std::string Name(const std::string& normalized) {
  size_t slash = normalized.rfind('/');
  return slash == std::string::npos ? normalized : normalized.substr(slash + 1);
}

bool IsUnder(const std::string& path, const std::string& dir) {  // strictly below `dir`
  if (dir.empty()) return !path.empty();
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

struct Node {
  bool is_directory = false;
  std::shared_ptr<std::string> data;  // files only; shared with open readers and kTruncate writers
  int64_t modified_ns = 0;
};

struct Tree {
  std::mutex mu;
  std::map<std::string, Node> nodes;  // normalized path -> entry; "" is the root folder
  int64_t last_ns = 0;

  Tree() { nodes[""] = Node{true, nullptr, Tick()}; }

  int64_t Tick() {
    int64_t now =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    last_ns = std::max(now, last_ns + 1);
    return last_ns;
  }
  Node* Find(const std::string& p) {
    auto it = nodes.find(p);
    return it == nodes.end() ? nullptr : &it->second;
  }
  void TouchParent(const std::string& p) {
    if (Node* parent = Find(Parent(p))) parent->modified_ns = Tick();
  }
  // Creates `p` and its missing parents as folders. `op` and `shown` name the caller's operation.
  Status MakeDirs(const std::string& p, std::string_view op, const std::string& shown) {
    if (p.empty()) return Status::Ok();  // the root always exists
    size_t i = 0;
    while (true) {
      size_t j = p.find('/', i);
      std::string prefix = p.substr(0, j == std::string::npos ? p.size() : j);
      Node* n = Find(prefix);
      if (n == nullptr) {
        nodes[prefix] = Node{true, nullptr, Tick()};
        TouchParent(prefix);
      } else if (!n->is_directory) {
        return Status::IoError(std::string(op) + " " + shown + ": " + prefix + " is a file, not a folder");
      }
      if (j == std::string::npos) break;
      i = j + 1;
    }
    return Status::Ok();
  }
  // Removes `p` (not the root) and everything under it; returns the removed entries by path.
  std::vector<std::pair<std::string, Node>> Extract(const std::string& p) {
    std::vector<std::pair<std::string, Node>> out;
    if (!p.empty()) {
      auto it = nodes.find(p);
      if (it == nodes.end()) return out;
      out.emplace_back(it->first, std::move(it->second));
      nodes.erase(it);
    }
    const std::string prefix = p.empty() ? "" : p + "/";
    auto it = nodes.lower_bound(prefix);
    if (p.empty() && it != nodes.end() && it->first.empty()) ++it;  // keep the root
    while (it != nodes.end() && it->first.compare(0, prefix.size(), prefix) == 0) {
      out.emplace_back(it->first, std::move(it->second));
      it = nodes.erase(it);
    }
    return out;
  }
};

class MemReadableFile : public fs::ReadableFile {
 public:
  MemReadableFile(std::shared_ptr<Tree> tree, std::shared_ptr<std::string> data, std::string path)
      : tree_(std::move(tree)), data_(std::move(data)), path_(std::move(path)) {}
  Result<size_t> Read(char* buffer, size_t n) override {
    std::lock_guard lock(tree_->mu);
    size_t got = CopyLocked(pos_, buffer, n);
    pos_ += got;
    return got;
  }
  Result<size_t> ReadAt(uint64_t offset, char* buffer, size_t n) override {
    std::lock_guard lock(tree_->mu);
    return CopyLocked(offset, buffer, n);
  }
  Result<uint64_t> Size() override {
    std::lock_guard lock(tree_->mu);
    return static_cast<uint64_t>(data_->size());
  }
  const std::string& path() const override { return path_; }

 private:
  size_t CopyLocked(uint64_t offset, char* buffer, size_t n) const {
    if (offset >= data_->size()) return 0;
    size_t got = std::min<size_t>(n, data_->size() - offset);
    std::copy_n(data_->data() + offset, got, buffer);
    return got;
  }
  std::shared_ptr<Tree> tree_;
  std::shared_ptr<std::string> data_;
  std::string path_;
  uint64_t pos_ = 0;
};

class MemWritableFile : public fs::WritableFile {
 public:
  // kTruncate: `data` is the file's own bytes, already in the tree. kAtomic: `data` is private
  // until Close() puts it under `normalized`.
  MemWritableFile(std::shared_ptr<Tree> tree, std::shared_ptr<std::string> data, std::string normalized,
                  std::string path, fs::WriteMode mode)
      : tree_(std::move(tree)),
        data_(std::move(data)),
        normalized_(std::move(normalized)),
        path_(std::move(path)),
        mode_(mode) {}

  Status Append(std::string_view bytes) override {
    if (closed_) return Status::IoError("write " + path_ + ": the file is closed");
    std::lock_guard lock(tree_->mu);
    data_->append(bytes);
    bytes_ += bytes.size();
    if (mode_ == fs::WriteMode::kTruncate) {
      Node* n = tree_->Find(normalized_);
      if (n != nullptr && n->data == data_) n->modified_ns = tree_->Tick();
    }
    return Status::Ok();
  }
  Status Close() override {
    if (closed_) return Status::Ok();
    closed_ = true;
    if (mode_ == fs::WriteMode::kTruncate) return Status::Ok();
    std::lock_guard lock(tree_->mu);
    Node* parent = tree_->Find(Parent(normalized_));
    if (parent == nullptr || !parent->is_directory) {
      return Status::NotFound("rename into place " + path_ + ": the folder is gone");
    }
    Node* existing = tree_->Find(normalized_);
    if (existing != nullptr && existing->is_directory) {
      return Status::IoError("rename into place " + path_ + ": is a folder");
    }
    if (existing == nullptr) tree_->TouchParent(normalized_);
    tree_->nodes[normalized_] = Node{false, std::move(data_), tree_->Tick()};
    return Status::Ok();
  }
  uint64_t bytes_written() const override { return bytes_; }
  const std::string& path() const override { return path_; }

 private:
  std::shared_ptr<Tree> tree_;
  std::shared_ptr<std::string> data_;
  std::string normalized_;
  std::string path_;
  fs::WriteMode mode_;
  bool closed_ = false;
  uint64_t bytes_ = 0;
};

class MemFileSystem : public fs::FileSystem {
 public:
  std::string Describe() const override { return "mem:/"; }

  Result<std::unique_ptr<fs::ReadableFile>> OpenRead(const std::string& path) override {
    std::string p = Normalize(path);
    std::lock_guard lock(tree_->mu);
    Node* n = tree_->Find(p);
    if (n == nullptr) return Status::NotFound("open " + path + ": no such file");
    if (n->is_directory) return Status::InvalidArgument("open " + path + ": is a folder, not a file");
    return std::unique_ptr<fs::ReadableFile>(new MemReadableFile(tree_, n->data, path));
  }

  Result<std::unique_ptr<fs::WritableFile>> OpenWrite(const std::string& path, fs::WriteMode mode) override {
    std::string p = Normalize(path);
    std::lock_guard lock(tree_->mu);
    if (p.empty()) return Status::IoError("create " + path + ": is a folder");
    TRAFFIC_RETURN_IF_ERROR(tree_->MakeDirs(Parent(p), "create", path));
    Node* n = tree_->Find(p);
    if (n != nullptr && n->is_directory) return Status::IoError("create " + path + ": is a folder");
    std::shared_ptr<std::string> data;
    if (mode == fs::WriteMode::kTruncate) {
      if (n != nullptr) {
        n->data->clear();  // in place, as O_TRUNC: open readers see it too
        n->modified_ns = tree_->Tick();
        data = n->data;
      } else {
        data = std::make_shared<std::string>();
        tree_->nodes[p] = Node{false, data, tree_->Tick()};
        tree_->TouchParent(p);
      }
    } else {
      data = std::make_shared<std::string>();
    }
    return std::unique_ptr<fs::WritableFile>(new MemWritableFile(tree_, std::move(data), p, path, mode));
  }

  Result<fs::FileInfo> Stat(const std::string& path) override {
    std::string p = Normalize(path);
    std::lock_guard lock(tree_->mu);
    Node* n = tree_->Find(p);
    if (n == nullptr) return Status::NotFound("stat " + path + ": no such file or folder");
    return Info(path, p, *n);
  }

  Result<std::vector<fs::FileInfo>> List(const std::string& dir) override {
    std::string p = Normalize(dir);
    std::lock_guard lock(tree_->mu);
    Node* n = tree_->Find(p);
    if (n == nullptr) return Status::NotFound("list " + dir + ": no such folder");
    if (!n->is_directory) return Status::IoError("list " + dir + ": not a folder");
    std::vector<fs::FileInfo> out;
    const std::string prefix = p.empty() ? "" : p + "/";
    for (auto it = tree_->nodes.lower_bound(prefix); it != tree_->nodes.end(); ++it) {
      const std::string& key = it->first;
      if (key.compare(0, prefix.size(), prefix) != 0) break;
      if (key.size() == prefix.size() || key.find('/', prefix.size()) != std::string::npos) continue;
      out.push_back(Info(fs::JoinPath(dir, Name(key)), key, it->second));
    }
    std::sort(out.begin(), out.end(), [](const fs::FileInfo& a, const fs::FileInfo& b) { return a.name < b.name; });
    return out;
  }

  Status MakeDirs(const std::string& path) override {
    std::lock_guard lock(tree_->mu);
    return tree_->MakeDirs(Normalize(path), "create folder", path);
  }

  Status Rename(const std::string& from, const std::string& to) override {
    std::string f = Normalize(from), t = Normalize(to);
    const std::string what = "rename " + from + " to " + to;
    std::lock_guard lock(tree_->mu);
    Node* source = tree_->Find(f);
    if (source == nullptr) return Status::NotFound(what + ": no such file or folder");
    if (f.empty() || t.empty()) return Status::InvalidArgument(what + ": cannot move the root");
    if (f == t) return Status::Ok();
    if (IsUnder(t, f)) return Status::InvalidArgument(what + ": a folder cannot move into itself");
    const bool is_directory = source->is_directory;
    if (Node* target = tree_->Find(t)) {
      if (target->is_directory) return Status::IoError(what + ": a folder is already there");
      if (is_directory) return Status::IoError(what + ": a file is already there");
    }
    TRAFFIC_RETURN_IF_ERROR(tree_->MakeDirs(Parent(t), "rename", from + " to " + to));
    std::vector<std::pair<std::string, Node>> moved = tree_->Extract(f);
    for (auto& [key, node] : moved) key = t + key.substr(f.size());
    for (auto& [key, node] : moved) tree_->nodes[key] = std::move(node);
    tree_->TouchParent(f);
    tree_->TouchParent(t);
    return Status::Ok();
  }

  Status RemoveAll(const std::string& path) override {
    std::string p = Normalize(path);
    std::lock_guard lock(tree_->mu);
    if (tree_->Find(p) == nullptr) return Status::Ok();
    tree_->Extract(p);
    if (p.empty())
      tree_->nodes[""].modified_ns = tree_->Tick();
    else
      tree_->TouchParent(p);
    return Status::Ok();
  }

 private:
  static fs::FileInfo Info(const std::string& shown, const std::string& normalized, const Node& n) {
    fs::FileInfo info;
    info.path = shown;
    info.name = Name(normalized);
    info.is_directory = n.is_directory;
    info.size_bytes = n.is_directory ? 0 : n.data->size();
    info.modified_ns = n.modified_ns;
    return info;
  }

  std::shared_ptr<Tree> tree_ = std::make_shared<Tree>();
};

}  // namespace

std::unique_ptr<fs::FileSystem> MakeMemFileSystem() { return std::make_unique<MemFileSystem>(); }

}  // namespace traffic::testing
