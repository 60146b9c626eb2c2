// Sealing the playground providers' keys (base/crypto/secret_box.h): a sealed
// key opens only with its data key, for the provider it was sealed for, and
// unaltered; the data key file is made once, private, and read back after.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "base/crypto/secret_box.h"
#include "base/crypto/secrets.h"
#include "tests/support/temp_dir.h"

namespace spanline::auth {
namespace {

SecretBox box_of(std::string key) { return std::move(*SecretBox::with_key(std::move(key))); }

TEST(SecretBox, ASealedValueOpensForItsOwnerOnly) {
  const SecretBox box = box_of(random_bytes(SecretBox::kKeyBytes));
  const std::string sealed = box.seal("sk-live-secret", "openai-eu");
  EXPECT_EQ(sealed.size(), SecretBox::kNonceBytes + 14 + SecretBox::kTagBytes);
  EXPECT_EQ(sealed.find("sk-live-secret"), std::string::npos) << "the key's bytes are not in what is stored";
  EXPECT_EQ(*box.open(sealed, "openai-eu"), "sk-live-secret");
  EXPECT_NE(box.seal("sk-live-secret", "openai-eu"), sealed) << "a fresh nonce each time";
  EXPECT_EQ(*box.open(box.seal("", "p"), "p"), "") << "an empty value seals too";

  auto moved = box.open(sealed, "openai-us");
  EXPECT_EQ(moved.status().code(), Code::permission_denied) << "a row's ciphertext does not open under another provider's name";
  EXPECT_FALSE(box_of(random_bytes(SecretBox::kKeyBytes)).open(sealed, "openai-eu").is_ok()) << "another data key";
}

TEST(SecretBox, AnyAlteredByteIsRefused) {
  const SecretBox box = box_of(std::string(SecretBox::kKeyBytes, 'k'));
  const std::string sealed = box.seal("sk-ant-123", "anthropic");
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    EXPECT_EQ(box.open(tampered, "anthropic").status().code(), Code::permission_denied) << "byte " << i;
  }
  EXPECT_FALSE(box.open(sealed.substr(0, sealed.size() - 1), "anthropic").is_ok());
  EXPECT_FALSE(box.open("short", "anthropic").is_ok());
  EXPECT_FALSE(box.open("", "anthropic").is_ok());
}

TEST(SecretBox, AKeyIsThirtyTwoBytes) {
  EXPECT_EQ(SecretBox::with_key(std::string(31, 'k')).status().code(), Code::invalid_argument);
  EXPECT_EQ(SecretBox::with_key(std::string(33, 'k')).status().code(), Code::invalid_argument);
}

TEST(SecretBox, TheKeyFileIsMadeOnceAndPrivate) {
  testing::TempDir dir;
  const std::string path = dir / "data.key";
  auto first = secret_box_from_key_file(path);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(info.st_size, static_cast<off_t>(SecretBox::kKeyBytes));
  const std::string sealed = first->seal("k", "p");
  auto again = secret_box_from_key_file(path);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(*again->open(sealed, "p"), "k") << "read back, not made anew";

  std::ofstream(dir / "short.key") << "not a key";
  auto wrong = secret_box_from_key_file(dir / "short.key");
  EXPECT_EQ(wrong.status().code(), Code::internal);
  EXPECT_NE(wrong.status().message().find("short.key"), std::string::npos) << wrong.status().message();
  EXPECT_FALSE(secret_box_from_key_file(dir / "missing-folder/data.key").is_ok());
}

}  // namespace
}  // namespace spanline::auth
