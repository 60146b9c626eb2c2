#include "base/options.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace spanline {
namespace {

struct Config {
  std::string endpoint = "ipc://{data-dir}/run/wal.sock";
  uint64_t max_bytes = 16ULL << 20;
  bool verbose = false;
  std::chrono::milliseconds timeout{5000};
};

Options make(Config& config) {
  Options options("prog", "summary");
  options.add("wal-endpoint", &config.endpoint, "where the wal is")
      .add("max-bytes", &config.max_bytes, "limit")
      .add("verbose", &config.verbose, "chatty")
      .add("timeout", &config.timeout, "deadline");
  return options;
}

TEST(Options, FlagsOverrideEnvironmentWhichOverridesDefaults) {
  Config config;
  Options options = make(config);
  ::setenv("SPANLINE_MAX_BYTES", "1MiB", 1);
  ::setenv("SPANLINE_WAL_ENDPOINT", "tcp://env:1", 1);
  const char* argv[] = {"prog", "--wal-endpoint", "tcp://flag:2", "--verbose", "--timeout=250ms"};
  auto parsed = options.parse(5, argv);
  ::unsetenv("SPANLINE_MAX_BYTES");
  ::unsetenv("SPANLINE_WAL_ENDPOINT");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(config.endpoint, "tcp://flag:2");
  EXPECT_EQ(config.max_bytes, 1u << 20);
  EXPECT_TRUE(config.verbose);
  EXPECT_EQ(config.timeout, std::chrono::milliseconds(250));
}

TEST(Options, UnknownFlagAndBadValueNameTheOption) {
  Config config;
  Options options = make(config);
  const char* unknown[] = {"prog", "--no-such"};
  auto parsed = options.parse(2, unknown);
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("--no-such"), std::string::npos);
  const char* bad[] = {"prog", "--max-bytes", "lots"};
  parsed = options.parse(3, bad);
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("--max-bytes"), std::string::npos);
}

TEST(Options, HelpAndTableListEveryOptionWithItsEnvironmentName) {
  Config config;
  Options options = make(config);
  std::string table = options.markdown_table();
  EXPECT_NE(table.find("`--wal-endpoint` | `SPANLINE_WAL_ENDPOINT` | `ipc://{data-dir}/run/wal.sock`"), std::string::npos);
  EXPECT_NE(options.help_text().find("SPANLINE_TIMEOUT"), std::string::npos);
  EXPECT_NE(options.help_text().find("default: 5s"), std::string::npos);
}

TEST(Options, ParsesSizesDurationsAndLists) {
  EXPECT_EQ(*parse_byte_size("16MiB"), 16u << 20);
  EXPECT_EQ(*parse_byte_size("64k"), 64u << 10);
  EXPECT_FALSE(parse_byte_size("-1").is_ok());
  EXPECT_FALSE(parse_byte_size("99999999999999999999g").is_ok());
  EXPECT_EQ(*parse_duration("2s"), std::chrono::milliseconds(2000));
  EXPECT_EQ(*parse_duration("7d"), std::chrono::hours(24 * 7));
  EXPECT_FALSE(parse_duration("soon").is_ok());
  EXPECT_EQ(*parse_uint_list("0,2-3"), (std::vector<uint32_t>{0, 2, 3}));
  EXPECT_FALSE(parse_uint_list("3-1").is_ok());
  EXPECT_EQ(format_uint_list({6, 0, 1, 2, 3, 8, 9, 3}), "0-3,6,8-9");
  EXPECT_EQ(format_uint_list({}), "");
  EXPECT_EQ(*parse_uint_list(format_uint_list({0, 2, 3, 4, 7})), (std::vector<uint32_t>{0, 2, 3, 4, 7}));
  EXPECT_EQ(expand_data_dir("ipc://{data-dir}/run/x.sock", "/d"), "ipc:///d/run/x.sock");
}

}  // namespace
}  // namespace spanline
