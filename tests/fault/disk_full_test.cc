// Disk full: the WAL's folder is a small tmpfs. When it fills, Exports fail
// with RESOURCE_EXHAUSTED and a message that says the disk is full; nothing
// acked before is lost; when space returns (the tmpfs grows) ingest resumes
// without a restart, and every acked span is indexed exactly once.
//
// The test mounts in a mount namespace of its own (children inherit it), so it
// needs root or an unprivileged user namespace; elsewhere it is skipped.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out.flush());
}

// A private mount namespace for this test process; as a non-root user, inside
// a user namespace where it is root. Returns why not, or "" on success.
std::string enter_private_mount_namespace() {
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  if (unshare(CLONE_NEWNS) != 0) {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return std::string("unshare: ") + std::strerror(errno);
    if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
        !write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) {
      return "cannot map this user into a user namespace";
    }
  }
  if (mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return std::string("mount --make-rprivate: ") + std::strerror(errno);
  return "";
}

void add_payload(opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request) {
  for (auto& span : *request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans()) {
    auto* kv = span.add_attributes();
    kv->set_key("llm.prompt");
    kv->mutable_value()->set_string_value(std::string(4096, 'p'));
  }
}

TEST(DiskFull, ExportsFailRetryablyWhileTheWalDiskIsFullAndResumeWhenSpaceReturns) {
  if (std::string why = enter_private_mount_namespace(); !why.empty()) GTEST_SKIP() << "cannot mount a tmpfs here: " << why;
  // The WAL keeps 4 MiB of the 24 free: RocksDB never meets the full disk.
  Pipeline pipeline({.wal_args = {"--wal-min-free-bytes", "4194304"}, .gateway_args = {"--wal-timeout", "2s"}, .indexers = {"0-3"}});
  const std::string wal_dir = pipeline.data_dir() + "/wal";
  std::filesystem::create_directories(wal_dir);
  ASSERT_EQ(mount("tmpfs", wal_dir.c_str(), "tmpfs", 0, "size=24m"), 0) << std::strerror(errno);
  pipeline.start();

  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  std::set<SpanKey> acked;
  grpc::Status full;
  int sent = 0;
  for (; sent < 400 && full.ok(); ++sent) {
    auto request = client.make_request(10, 10);
    add_payload(request);
    grpc::Status status = client.send(request, nullptr, 10s);
    if (status.ok()) {
      auto keys = OtlpClient::keys_of(request);
      acked.insert(keys.begin(), keys.end());
    } else {
      full = status;
    }
  }
  ASSERT_FALSE(full.ok()) << "24 MiB never filled after " << sent << " Exports of ~400 KB";
  EXPECT_EQ(full.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << full.error_message();
  EXPECT_NE(full.error_message().find("WAL disk is full"), std::string::npos) << full.error_message();
  EXPECT_NE(full.error_message().find("--wal-min-free-bytes"), std::string::npos) << full.error_message();
  const size_t acked_before_full = acked.size();

  // Still full: every further Export is refused the same way, and the WAL
  // stays up (it refuses before RocksDB meets the full disk).
  for (int i = 0; i < 3; ++i) {
    auto request = client.make_request(10, 10);
    add_payload(request);
    grpc::Status status = client.send(request, nullptr, 10s);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  }
  ASSERT_TRUE(pipeline.wal().running()) << pipeline.wal().log();

  // Space returns: the same folder grows; ingest resumes.
  ASSERT_EQ(mount(nullptr, wal_dir.c_str(), nullptr, MS_REMOUNT, "size=512m"), 0) << std::strerror(errno);
  const auto space_back = std::chrono::steady_clock::now();
  bool resumed = wait_until([&] {
    auto request = client.make_request(2, 5);
    if (!client.send(request, nullptr, 5s).ok()) return false;
    auto keys = OtlpClient::keys_of(request);
    acked.insert(keys.begin(), keys.end());
    return true;
  }, 60s);
  ASSERT_TRUE(resumed) << pipeline.logs();
  EXPECT_TRUE(pipeline.wal().running()) << "no restart was needed";
  const double resume_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - space_back).count();
  const Pipeline::IndexTally tally = pipeline.wait_for_acked(acked);
  std::printf("[disk full] full after %d Exports (%zu spans acked); refusal: %s; resumed %.1f s after space returned; "
              "acked=%zu lost=%zu duplicated=%zu\n",
              sent, acked_before_full, full.error_message().c_str(), resume_seconds, acked.size(), tally.lost, tally.duplicated);
  EXPECT_EQ(tally.lost, 0u) << pipeline.logs();
  EXPECT_EQ(tally.duplicated, 0u);
  pipeline.wal().stop();
  std::string out;
  EXPECT_EQ(run_command({bin_path("spanline-wal"), "stat", "--verify", "--data-dir", pipeline.data_dir()}, &out), 0) << out;
}

}  // namespace
}  // namespace spanline::testing
