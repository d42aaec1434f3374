// An in-memory fs::FileSystem for unit tests (LevelDB's NewMemEnv): no disk, no cleanup, the same
// contract as the local disk (src/traffic/fs/file_system.h), which file_system_contract_test.cc
// checks against both.
//
// Semantics, as the local disk:
//   - Paths are '/'-separated; "a/b", "/a/b" and "a//b/" name the same entry; "." and ".." are
//     resolved. The root ("", "/") is a folder that always exists.
//   - OpenWrite creates missing parent folders (an error when a parent is a file). kTruncate empties
//     the file at once and each Append is visible at once; kAtomic shows nothing under the final
//     name until Close() succeeds, and a writer destroyed without Close() leaves nothing behind.
//     Append after Close is an error; Close twice is OK.
//   - An open reader keeps the bytes of the file it opened (as a POSIX inode): a later atomic
//     replace, Rename or RemoveAll does not change what it reads; a kTruncate writer of the same
//     file does.
//   - Rename replaces a file `to`; a folder `to` must not exist (an error, even when empty, as
//     the interface documents); renaming a folder moves everything under it; a folder cannot move
//     into itself. Missing parents of `to` are created.
//   - modified_ns: nanoseconds since the epoch, strictly increasing over every change of this
//     file system (so "newer than" is never a tie), never behind the wall clock. A file's time
//     changes when it is written or replaced; a folder's when an entry is added or removed.
// Thread-safe: one lock over the whole tree.
#pragma once

#include <memory>

#include "traffic/fs/file_system.h"

namespace traffic::testing {

std::unique_ptr<fs::FileSystem> MakeMemFileSystem();

}  // namespace traffic::testing
