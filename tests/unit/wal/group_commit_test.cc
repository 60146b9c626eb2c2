#include "stages/wal/group_commit.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>

namespace spanline::wal {
namespace {

using namespace std::chrono_literals;

PendingAppend make(uint64_t token, size_t bytes = 10) {
  PendingAppend append;
  append.token = token;
  append.payload = zmq::message_t(bytes);
  return append;
}

// A writer whose first write blocks until released: everything submitted
// meanwhile must land in the second batch, together.
TEST(GroupCommit, EverythingThatArrivesDuringASyncGoesInTheNextBatch) {
  std::mutex mutex;
  std::condition_variable cv;
  bool first_started = false, release = false;
  std::vector<size_t> batch_sizes;
  std::promise<void> all_done;
  size_t acked = 0;
  GroupCommitter committer(
      [&](std::vector<PendingAppend>& batch) {
        std::unique_lock lock(mutex);
        batch_sizes.push_back(batch.size());
        if (batch_sizes.size() == 1) {
          first_started = true;
          cv.notify_all();
          cv.wait(lock, [&] { return release; });
        }
        for (auto& append : batch) append.sequence = append.token;
        return Status::ok();
      },
      [&](CommittedBatch committed) {
        EXPECT_TRUE(committed.status.is_ok());
        for (auto& append : committed.appends) EXPECT_EQ(append.sequence, append.token);
        acked += committed.appends.size();
        if (acked == 51) all_done.set_value();
      },
      1 << 20);
  ASSERT_TRUE(committer.submit(make(1)).is_ok());
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return first_started; });
  }
  for (uint64_t i = 2; i <= 51; ++i) ASSERT_TRUE(committer.submit(make(i)).is_ok());
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  cv.notify_all();
  ASSERT_EQ(all_done.get_future().wait_for(5s), std::future_status::ready);
  std::lock_guard lock(mutex);
  EXPECT_EQ(batch_sizes, (std::vector<size_t>{1, 50}));
}

TEST(GroupCommit, RefusesPastThePendingByteBudget) {
  std::promise<void> release;
  auto released = release.get_future().share();
  GroupCommitter committer(
      [&](std::vector<PendingAppend>&) {
        released.wait();
        return Status::ok();
      },
      [](CommittedBatch) {}, 100);
  // Larger than the whole budget, but nothing waits: admitted so it can progress.
  ASSERT_TRUE(committer.submit(make(1, 500)).is_ok());
  std::this_thread::sleep_for(20ms);
  Status refused = committer.submit(make(2, 1));
  EXPECT_EQ(refused.code(), Code::resource_exhausted);
  EXPECT_NE(refused.message().find("retry"), std::string::npos);
  release.set_value();
  for (int i = 0; i < 500 && committer.pending_bytes() > 0; ++i) std::this_thread::sleep_for(2ms);
  EXPECT_TRUE(committer.submit(make(3, 60)).is_ok());
  EXPECT_TRUE(committer.submit(make(4, 30)).is_ok());
}

TEST(GroupCommit, AFailedWriteFailsTheWholeBatch) {
  std::promise<CommittedBatch> got;
  GroupCommitter committer([](std::vector<PendingAppend>&) { return Status(Code::unavailable, "disk gone"); },
                           [&](CommittedBatch batch) { got.set_value(std::move(batch)); }, 1 << 20);
  ASSERT_TRUE(committer.submit(make(1)).is_ok());
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  CommittedBatch batch = future.get();
  EXPECT_EQ(batch.status.code(), Code::unavailable);
  EXPECT_EQ(batch.appends.size(), 1u);
}

TEST(GroupCommit, StopWritesWhatIsQueuedAndThenRefuses) {
  std::atomic<size_t> written{0};
  GroupCommitter committer(
      [&](std::vector<PendingAppend>& batch) {
        std::this_thread::sleep_for(5ms);
        written += batch.size();
        return Status::ok();
      },
      [](CommittedBatch) {}, 1 << 20);
  for (uint64_t i = 0; i < 20; ++i) ASSERT_TRUE(committer.submit(make(i)).is_ok());
  committer.stop();
  EXPECT_EQ(written.load(), 20u);
  EXPECT_EQ(committer.submit(make(99)).code(), Code::unavailable);
}

}  // namespace
}  // namespace spanline::wal
