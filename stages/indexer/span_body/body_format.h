#pragma once
// A span's body: its five JSON texts (attributes, events, links, resource,
// scope) and its full-text search text, stored as one compressed BLOB in the
// `spans.body` column (docs/index-schema.md, "Span bodies").
//
// Format: a version byte (kFormatVersion), the id of the dictionary it was
// compressed with as a LEB128 varint (0: none), then one zstd frame without
// its 4-byte magic number (a constant, put back on reading), without a
// checksum or dictionary id, with its content size. The frame holds the six
// texts in Text's order, each as a varint length and its bytes.
//
// Why one frame per span and not per block of spans: a trace read decompresses
// only its own rows, and deleting a span (retention, a service) stays deleting
// one row. The per-shard dictionary (body_store.h) is what makes small frames
// compress well: the keys and shapes every span repeats are in it.
//
// Threads: a Compressor or a Decompressor belongs to one thread (each holds a
// zstd context). Limits: a body whose content is larger than the cap given
// (kMaxBodyBytes by default) is refused, both ways, before anything that
// large is allocated.

#include <zstd.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace spanline::indexer::span_body {

enum class Text : uint8_t { attributes, events, links, resource, scope, search };
constexpr size_t kTextCount = 6;
constexpr uint8_t kFormatVersion = 1;

// The most a body's texts may hold together: what SQLite stores in one value
// (SQLITE_MAX_LENGTH), so no span the JSON columns could hold is refused.
// Readers that answer queries pass a cap of their own, from the answer cap
// (BodyReader::read), so a query never decompresses more than it could send.
constexpr uint64_t kMaxBodyBytes = 1'000'000'000;

struct Texts {
  std::array<std::string, kTextCount> values;
  std::string& operator[](Text text) { return values[static_cast<size_t>(text)]; }
  const std::string& operator[](Text text) const { return values[static_cast<size_t>(text)]; }
};

// The uncompressed payload: the texts, each length-prefixed (what a frame
// holds, and what a dictionary is trained on).
std::string payload_of(const std::array<std::string_view, kTextCount>& texts);

class Compressor {
 public:
  explicit Compressor(int level);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Compresses with `dictionary` under `id` (> 0) from now on.
  Status use_dictionary(int64_t id, std::string_view dictionary);
  int64_t dictionary_id() const { return dictionary_id_; }

  // The body of `texts`; invalid_argument when they hold more than `cap`.
  Result<std::string> encode(const std::array<std::string_view, kTextCount>& texts, uint64_t cap = kMaxBodyBytes);

 private:
  int level_;
  ZSTD_CCtx* context_;
  ZSTD_CDict* dictionary_ = nullptr;
  int64_t dictionary_id_ = 0;
};

class Decompressor {
 public:
  Decompressor();
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // Makes dictionary `id` known (prepared once, kept).
  Status add_dictionary(int64_t id, std::string_view dictionary);
  bool has_dictionary(int64_t id) const { return dictionaries_.contains(id); }

  // The id of the dictionary `body` needs (0: none); internal when the body
  // is not one.
  static Result<int64_t> dictionary_of(std::string_view body);

  // The texts of `body`. internal when it is corrupt or needs a dictionary
  // not added; resource_exhausted when its content is larger than `cap`.
  Result<Texts> decode(std::string_view body, uint64_t cap = kMaxBodyBytes);

 private:
  struct FreeDictionary {
    void operator()(ZSTD_DDict* d) const { ZSTD_freeDDict(d); }
  };
  ZSTD_DCtx* context_;
  std::map<int64_t, std::unique_ptr<ZSTD_DDict, FreeDictionary>> dictionaries_;
  std::string frame_;  // the frame with its magic number put back, reused
};

}  // namespace spanline::indexer::span_body
