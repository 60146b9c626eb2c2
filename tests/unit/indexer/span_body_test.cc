#include "stages/indexer/span_body/body_store.h"

#include <gtest/gtest.h>

#include <random>

namespace spanline::indexer::span_body {
namespace {

using Views = std::array<std::string_view, kTextCount>;

Views views(const Texts& texts) {
  Views out;
  for (size_t i = 0; i < kTextCount; ++i) out[i] = texts.values[i];
  return out;
}

// A span's texts as the typical workload makes them: the same keys, values that differ.
Texts typical(std::mt19937_64& random) {
  Texts texts;
  std::string attributes = "{", search = "step 3";
  for (int a = 0; a < 8; ++a) {
    std::string value;
    for (int c = 0; c < 32; ++c) value += static_cast<char>('a' + random() % 26);
    attributes += std::string(a ? "," : "") + "\"attr." + std::to_string(a) + "\":\"" + value + "\"";
    search += "\n" + value;
  }
  texts[Text::attributes] = attributes + "}";
  texts[Text::events] = "[]";
  texts[Text::links] = "[]";
  texts[Text::resource] = R"({"service.name":"checkout"})";
  texts[Text::scope] = R"({"name":"spanline-loadgen"})";
  texts[Text::search] = search;
  return texts;
}

std::unique_ptr<Database> shard_db() {
  auto db = Database::open(":memory:");
  EXPECT_TRUE(db.is_ok());
  EXPECT_TRUE(BodyWriter::create(**db).is_ok());
  return std::move(db.value());
}

TEST(SpanBody, EveryTextRoundTripsEmptyOnesToo) {
  Compressor compressor(kLevel);
  Decompressor decompressor;
  Texts texts;
  texts[Text::attributes] = R"({"k":"v","n":1})";
  texts[Text::resource] = std::string(100'000, 'r');  // longer than one varint byte, compressible
  texts[Text::search] = "請幫我\nüñí\n";
  auto body = compressor.encode(views(texts));
  ASSERT_TRUE(body.is_ok()) << body.status().to_string();
  EXPECT_LT(body->size(), 1000u);
  auto back = decompressor.decode(*body);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->values, texts.values);
  auto empty = compressor.encode(Views{});
  ASSERT_TRUE(empty.is_ok());
  auto none = decompressor.decode(*empty);
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none->values, Texts{}.values);
}

TEST(SpanBody, AShardTrainsItsDictionaryFromItsFirstSpansAndReadersLoadIt) {
  auto db = shard_db();
  BodyWriter writer;
  ASSERT_TRUE(writer.prepare(*db).is_ok());
  std::mt19937_64 random(7);
  std::vector<std::pair<Texts, std::string>> written;
  size_t without = 0, with = 0;
  for (size_t i = 0; i < kTrainingSpans + 10; ++i) {
    if (i == kTrainingSpans) {
      ASSERT_FALSE(writer.has_dictionary());
      ASSERT_TRUE(writer.begin_batch().is_ok());
      ASSERT_TRUE(writer.has_dictionary()) << "trained once the first spans were sampled";
    }
    Texts texts = typical(random);
    auto body = writer.encode(views(texts));
    ASSERT_TRUE(body.is_ok());
    (i < kTrainingSpans ? without : with) += body->size();
    if (i == 0 || i >= kTrainingSpans) written.emplace_back(std::move(texts), std::move(body.value()));
  }
  EXPECT_LT(with / 10, without / kTrainingSpans) << "the dictionary makes bodies smaller";
  auto ids = db->prepare("SELECT count(*) FROM span_body_dictionaries");
  ASSERT_TRUE(*ids->step());
  EXPECT_EQ(ids->column_int(0), 1);
  EXPECT_EQ(*Decompressor::dictionary_of(written.back().second), 1);
  EXPECT_EQ(*Decompressor::dictionary_of(written.front().second), 0);
  BodyReader reader(*db);  // as a reader thread's own connection would
  for (const auto& [texts, body] : written) {
    auto back = reader.decode(body);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(back->values, texts.values);
  }
  // A batch that rolled back took the dictionary's row with it: the next one stores it again.
  ASSERT_TRUE(db->exec("DELETE FROM span_body_dictionaries").is_ok());
  ASSERT_TRUE(writer.begin_batch().is_ok());
  BodyReader fresh(*db);
  EXPECT_TRUE(fresh.decode(written.back().second).is_ok());
}

TEST(SpanBody, AShardWhoseSpansTeachNothingGoesOnWithoutADictionary) {
  auto db = shard_db();
  BodyWriter writer;
  ASSERT_TRUE(writer.prepare(*db).is_ok());
  // (A migration trains on the few rows an old shard holds; zstd wants more than two to train on.)
  ASSERT_TRUE(writer.train({payload_of(Views{"{}"}), payload_of(Views{"[]"})}).is_ok()) << "a failed training is not an error";
  EXPECT_FALSE(writer.has_dictionary());
  for (size_t i = 0; i <= kTrainingSpans; ++i) ASSERT_TRUE(writer.encode(Views{}).is_ok());
  ASSERT_TRUE(writer.begin_batch().is_ok());
  EXPECT_FALSE(writer.has_dictionary()) << "no second try until the shard is opened again";
  auto body = writer.encode(Views{"{}", "[]"});
  ASSERT_TRUE(body.is_ok());
  EXPECT_EQ(*Decompressor::dictionary_of(*body), 0);
  EXPECT_EQ((*BodyReader(*db).decode(*body))[Text::events], "[]");
}

TEST(SpanBody, ARowWrittenAsTextReadsThroughTheSameReader) {
  auto db = shard_db();
  ASSERT_TRUE(db->exec("CREATE TABLE spans(attributes TEXT, events TEXT, links TEXT, resource TEXT, scope TEXT, body BLOB)").is_ok());
  ASSERT_TRUE(db->exec(R"(INSERT INTO spans VALUES('{"a":1}', '[]', '', '{"service.name":"s"}', '{}', NULL))").is_ok());
  Compressor compressor(kLevel);
  Texts texts;
  texts[Text::attributes] = R"({"b":2})";
  texts[Text::search] = "found";
  auto insert = db->prepare("INSERT INTO spans(body) VALUES(?)");
  ASSERT_TRUE(insert->bind_blob(1, *compressor.encode(views(texts))).run().is_ok());
  auto rows = db->prepare("SELECT " + std::string(kColumns) + " FROM spans ORDER BY rowid");
  BodyReader reader(*db);
  ASSERT_TRUE(*rows->step());
  auto old = reader.read(*rows, 0);
  ASSERT_TRUE(old.is_ok());
  EXPECT_EQ((*old)[Text::attributes], R"({"a":1})");
  EXPECT_EQ((*old)[Text::resource], R"({"service.name":"s"})");
  EXPECT_EQ((*old)[Text::search], "");
  ASSERT_TRUE(*rows->step());
  auto fresh = reader.read(*rows, 0);
  ASSERT_TRUE(fresh.is_ok());
  EXPECT_EQ(fresh->values, texts.values);
  EXPECT_EQ(columns_of("s"), "s.attributes, s.events, s.links, s.resource, s.scope, s.body");
}

TEST(SpanBody, ACorruptBodyIsAnErrorNotACrash) {
  Compressor compressor(kLevel);
  Texts texts;
  texts[Text::attributes] = R"({"key":"a value long enough to be worth compressing, compressing, compressing"})";
  const std::string body = *compressor.encode(views(texts));
  Decompressor decompressor;
  std::vector<std::string> corrupt = {"", std::string(1, '\x01'), std::string("\x02\x00", 2) + body.substr(2), body.substr(0, body.size() / 2),
                                      body + "tail", std::string("\x01\x05", 2) + body.substr(2)};
  for (size_t flip = 2; flip < body.size(); ++flip) {
    std::string damaged = body;
    damaged[flip] = static_cast<char>(damaged[flip] ^ 0x5a);
    corrupt.push_back(damaged);
  }
  size_t refused = 0;
  for (const std::string& bad : corrupt) {
    auto back = decompressor.decode(bad);
    // A flipped literal byte may still decode (frames carry no checksum); it must never crash or read out of bounds.
    if (!back.is_ok()) {
      ++refused;
      // A damaged header may claim more than the cap: refused as such, before it is allocated.
      EXPECT_TRUE(back.status().code() == Code::internal || back.status().code() == Code::resource_exhausted)
          << back.status().to_string();
    }
  }
  EXPECT_GE(refused, 6u) << "the empty, unknown-version, truncated, trailing and unknown-dictionary bodies at least";
}

TEST(SpanBody, ABodyPastTheCapIsRefusedBothWays) {
  Compressor compressor(kLevel);
  Texts texts;
  texts[Text::events] = std::string(1 << 20, 'e');
  auto body = compressor.encode(views(texts));
  ASSERT_TRUE(body.is_ok());
  EXPECT_LT(body->size(), 1000u) << "a zip bomb in miniature";
  Decompressor decompressor;
  auto refused = decompressor.decode(*body, 64 * 1024);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), Code::resource_exhausted);
  EXPECT_TRUE(decompressor.decode(*body).is_ok()) << "within the default cap";
  auto too_large = compressor.encode(views(texts), 64 * 1024);
  ASSERT_FALSE(too_large.is_ok());
  EXPECT_EQ(too_large.status().code(), Code::invalid_argument);
}

}  // namespace
}  // namespace spanline::indexer::span_body
