// The data folder is for the deployment's user only (issue 25, finding 1): as
// `nobody`, `sqlite3 -readonly data/meta.sqlite "select private_pem from
// signing_keys"` printed the JWT signing key, and the shards, the WAL and the
// bus sockets were as open. Now every stage creates what it keeps 0700/0600
// (umask 077), and a data folder left open by an older version is tightened on
// start. The tests walk a real pipeline's data folder checking modes, and try
// to read it as another user (tests run as root, so `setpriv` drops to nobody).
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/http_client.h"
#include "tests/support/otlp_client.h"
#include "tests/support/pipeline.h"

namespace spanline::testing {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Everything in `dir` (the folder itself included) that group or others may read, write or enter.
std::vector<std::string> open_to_others(const std::string& dir) {
  std::vector<std::string> open;
  auto check = [&](const std::filesystem::path& path) {
    struct stat info{};
    if (::lstat(path.c_str(), &info) != 0 || S_ISLNK(info.st_mode)) return;
    if ((info.st_mode & 077) != 0) open.push_back(path.string() + " is " + octal(info.st_mode));
  };
  check(dir);
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    check(it->path());
  }
  return open;
}

size_t count_of(const std::string& dir, bool (*kind)(const std::filesystem::file_status&)) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    n += kind(it->symlink_status()) ? 1 : 0;
  }
  return n;
}

bool is_socket(const std::filesystem::file_status& s) { return std::filesystem::is_socket(s); }

bool have_setpriv() { return run_command({"sh", "-c", "command -v setpriv >/dev/null"}) == 0; }

// Runs `argv` as nobody:nogroup with no supplementary groups; its exit code.
int as_nobody(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"});
  return run_command(argv, nullptr, 10s);
}

class PrivateFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "these tests change file ownership checks as root; run them as root";
  }
};

TEST_F(PrivateFiles, ARunningPipelineKeepsEveryFileFolderAndSocketToItsUser) {
  Pipeline pipeline({.indexers = {"0-3"}, .api = true});
  pipeline.start();
  OtlpClient client(pipeline.grpc_target(), pipeline.api_key());
  ASSERT_TRUE(client.send(client.make_request(4, 3)).ok());
  ASSERT_TRUE(pipeline.wait_indexed(12)) << pipeline.logs();
  const std::string& data = pipeline.data_dir();
  // What there is to protect is there: the auth database (and its SQLite -wal), the WAL, the shards, the bus sockets.
  ASSERT_TRUE(std::filesystem::exists(data + "/meta.sqlite"));
  ASSERT_TRUE(std::filesystem::exists(data + "/wal"));
  ASSERT_TRUE(std::filesystem::exists(data + "/index/part-0.sqlite"));
  ASSERT_GE(count_of(data, is_socket), 3u) << "the bus's ipc sockets are in run/";

  std::vector<std::string> open = open_to_others(data);
  EXPECT_TRUE(open.empty()) << open.size() << " open to group or others, the first: " << open.front();

  if (!have_setpriv()) GTEST_SKIP() << "setpriv is missing: the modes were checked, reading as another user was not";
  EXPECT_NE(as_nobody({"cat", data + "/meta.sqlite"}), 0) << "nobody read the signing keys through the data folder";
  // Even with the folders opened for traversal, each file and socket keeps nobody out by its own mode.
  const std::vector<std::string> folders = {data, data + "/index", data + "/wal", data + "/run"};
  for (const std::string& folder : folders) ASSERT_EQ(::chmod(folder.c_str(), 0711), 0);
  EXPECT_NE(as_nobody({"cat", data + "/meta.sqlite"}), 0) << "meta.sqlite itself is readable by others";
  EXPECT_NE(as_nobody({"cat", data + "/index/part-0.sqlite"}), 0) << "a shard is readable by others";
  EXPECT_NE(as_nobody({"cat", data + "/wal/CURRENT"}), 0) << "the WAL's RocksDB files are readable by others";
  if (std::filesystem::exists("/usr/bin/python3")) {
    auto connect = [&](const std::string& socket) {
      return as_nobody({"/usr/bin/python3", "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])", socket});
    };
    const std::string auth_socket = data + "/run/auth.sock";
    EXPECT_NE(connect(auth_socket), 0) << "nobody connected to the auth-responder's bus socket";
    // The check itself works: an open socket is connected to.
    ASSERT_EQ(::chmod(auth_socket.c_str(), 0777), 0);
    EXPECT_EQ(connect(auth_socket), 0) << "nobody could not connect even to an open socket: the check above proves nothing";
    ASSERT_EQ(::chmod(auth_socket.c_str(), 0700), 0);
  }
  // The check itself works: a file made readable is read.
  std::ofstream(data + "/readable.txt") << "open";
  ASSERT_EQ(::chmod((data + "/readable.txt").c_str(), 0644), 0);
  EXPECT_EQ(as_nobody({"cat", data + "/readable.txt"}), 0) << "setpriv could not read even an open file: the checks above prove nothing";
  std::filesystem::remove(data + "/readable.txt");
  for (const std::string& folder : folders) ASSERT_EQ(::chmod(folder.c_str(), 0700), 0);
}

TEST_F(PrivateFiles, AnOlderDeploymentsOpenDataFolderIsTightenedOnStartWithALogLine) {
  Pipeline pipeline({.indexers = {"0-3"}, .api = true});
  const std::string& data = pipeline.data_dir();
  // What a data folder made under a 022 umask by an older version looks like.
  ASSERT_EQ(::chmod(data.c_str(), 0755), 0);
  std::filesystem::create_directories(data + "/index/old");
  ASSERT_EQ(::chmod((data + "/index").c_str(), 0755), 0);
  ASSERT_EQ(::chmod((data + "/index/old").c_str(), 0775), 0);
  for (const char* name : {"/index/old/part-9.sqlite", "/notes.txt"}) {
    std::ofstream(data + name) << "kept from before";
    ASSERT_EQ(::chmod((data + name).c_str(), 0644), 0);
  }
  pipeline.start();
  std::vector<std::string> open = open_to_others(data);
  EXPECT_TRUE(open.empty()) << open.size() << " still open to group or others, the first: " << open.front();
  // Said once, by the stage that started first (the auth-responder), and nothing was lost.
  std::string auth_log = pipeline.auth().process().log();
  EXPECT_TRUE(contains(auth_log, "data folder permissions tightened from 0755 to 0700")) << auth_log;
  EXPECT_TRUE(contains(auth_log, "folders inside the data folder were open to group or others")) << auth_log;
  EXPECT_TRUE(contains(auth_log, "files inside the data folder were readable by group or others")) << auth_log;
  std::ifstream kept(data + "/notes.txt");
  std::string text;
  std::getline(kept, text);
  EXPECT_EQ(text, "kept from before");
  if (!have_setpriv()) GTEST_SKIP() << "setpriv is missing: the modes were checked, reading as another user was not";
  ASSERT_EQ(::chmod(data.c_str(), 0711), 0);
  EXPECT_NE(as_nobody({"cat", data + "/notes.txt"}), 0);
  ASSERT_EQ(::chmod(data.c_str(), 0700), 0);
}

TEST_F(PrivateFiles, SpanlineUpCreatesAPrivateDataFolder) {
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);  // the parent is open; the data folder must not be
  const std::string data = dir / "data";
  Process launcher(bin_path("spanline"),
                   {"up", "--data-dir", data, "--grpc-address", "127.0.0.1:" + std::to_string(free_port()), "--http-address",
                    "127.0.0.1:" + std::to_string(free_port()), "--api-address", "127.0.0.1:" + std::to_string(free_port())},
                   dir / "launcher.log");
  launcher.start();
  ASSERT_TRUE(wait_until([&] {
    return run_command({bin_path("spanline"), "key", "list", "--data-dir", data}, nullptr, 5s) == 0 && count_of(data, is_socket) >= 4;
  }, 30s)) << launcher.log();
  std::vector<std::string> open = open_to_others(data);
  EXPECT_TRUE(open.empty()) << open.size() << " open to group or others, the first: " << open.front() << "\n" << launcher.log();
  EXPECT_EQ(launcher.stop(), 0) << launcher.log();
}

}  // namespace
}  // namespace spanline::testing
