#pragma once
// Keeping a deployment's data private to the user who runs it. The data folder
// holds the JWT signing keys and password hashes (meta.sqlite), every trace
// (WAL and shards) and the bus's ipc sockets: another local user who can read a
// file there can mint tokens or read all data, and one who can connect to a
// socket can talk to the stages (the bus has no credentials of its own on one
// host unless CURVE is on).
//
// How it works: every binary sets its umask to 077 at start, so whatever it
// creates afterwards (folders, SQLite files and their -wal/-shm companions,
// RocksDB files, ZeroMQ ipc socket files, the launcher's claim file) is
// 0700/0600, whatever library creates it. A data folder left by an older
// version (0755 folders, 0644 files) is tightened on start: group and other
// bits are taken off the folder and everything under it, with one log line per
// kind of thing changed.
//
// Threads: call once from main(), after log::init() and before any other
// thread starts (the umask is process-wide).
//
// Limits: symbolic links inside the data folder are neither followed nor
// changed; something the process may not chmod (owned by another user) is left
// as it is with a warning, and the stage starts anyway.

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"

namespace spanline {

struct PrivateDataFolder {
  bool folder_tightened = false;  // the data folder itself had group or other bits
  uint64_t folders_tightened = 0;  // folders inside it that had group or other bits
  uint64_t files_tightened = 0;    // files (and sockets) inside it that had group or other bits
  uint64_t not_changed = 0;        // things that could not be changed (chmod failed)
};

// Sets the umask to 077 so everything this process creates is private to its user.
void create_files_private();

// create_files_private(), then takes group and other permissions off `data_dir`
// and everything inside it, logging what it changed ("data folder permissions
// tightened from 0755 to 0700"). A missing data folder is not created here
// (the stages that keep data create it, privately, under the umask).
PrivateDataFolder make_data_folder_private(const std::string& data_dir);

// The content of the private file `path`, made with `make_content()` and
// written 0600 when the file does not exist yet: a secret kept beside the data
// it protects (the auth-responder's data key). The new file appears whole or not
// at all (written beside it, then linked into place), and when two processes or
// threads race, both read the one that won. An error names the path and why.
Result<std::string> read_or_create_private_file(const std::string& path, const std::function<std::string()>& make_content);

}  // namespace spanline
