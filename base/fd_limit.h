#pragma once
// The open-files limit of a server stage. Many systems start processes with a
// soft limit of 1024 and a far higher hard limit; a stage that keeps the soft
// one runs out of descriptors under a connection flood (accept4 fails with
// EMFILE) long before its own connection caps apply. So every server stage
// raises the soft limit to the hard one at start, and its caps, not the fd
// table, are what bound its connections.

#include <cstdint>

namespace spanline {

struct OpenFilesLimit {
  uint64_t before = 0;  // the soft limit found at start
  uint64_t now = 0;     // the soft limit after raising it (the hard limit, or `before` if raising failed)
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit and logs the change
// ("open files limit raised", from, to), or that it is already at the hard limit.
// Call once at start, before any thread opens sockets.
OpenFilesLimit raise_open_files_limit();

}  // namespace spanline
