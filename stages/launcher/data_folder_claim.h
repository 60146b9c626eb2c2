#pragma once
// One launcher, and one set of stages, per data folder.
//
// How it works: the launcher holds an exclusive flock() on
// <data-dir>/run/launcher.lock for its whole life and writes into that file its
// own pid and the pid of each stage it runs ("launcher 812\nwal 813\n..."). The
// kernel drops the lock when the launcher ends, however it ends (SIGKILL
// included), so a stale file never blocks anyone; the file is never deleted,
// because deleting a lock file races with the next launcher opening it. A second
// launcher that cannot take the lock reads the file and names who runs.
//
// A launcher that does take the lock also looks through /proc for stage
// processes (spanline-wal, -auth, -gateway, -indexer, -api) whose data folder is
// this one: stages that outlived a launcher started before stages had a
// parent-death signal, stages still stopping after their launcher was killed, or
// stages started by hand. Two WALs or two indexers on one folder would fight over
// its files and two gateways over its ports, so it refuses to start beside them.
//
// Threads: the launcher's main thread.
// Limits: a stage's data folder is read from its command line (--data-dir), else
// its environment (SPANLINE_DATA_DIR, readable for the same user only), else the
// stages' default ./spanline-data, each relative to the stage's working folder.
// Processes in another pid namespace (another container) are not seen.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "stages/launcher/supervisor.h"

namespace spanline::launcher {

class DataFolderClaim {
 public:
  // `data_dir` absolute and normalized. Answers failed_precondition, with a
  // message naming the pids, the stages and the folder, when a launcher or a
  // stage of this folder runs already.
  static Result<std::unique_ptr<DataFolderClaim>> acquire(const std::string& data_dir);
  ~DataFolderClaim();
  DataFolderClaim(const DataFolderClaim&) = delete;
  DataFolderClaim& operator=(const DataFolderClaim&) = delete;

  // Rewrites the record of who runs on this folder.
  void record(const std::vector<RunningStage>& stages);
  const std::string& path() const { return path_; }

 private:
  DataFolderClaim(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::string path_;
};

// Live stage processes (other than this one) whose data folder is `data_dir`.
std::vector<RunningStage> stages_using(const std::string& data_dir);

}  // namespace spanline::launcher
