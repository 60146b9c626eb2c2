#include "stages/indexer/span_body/body_format.h"

#include <cstring>
#include <optional>

namespace spanline::indexer::span_body {
namespace {

// The frame's magic number, little-endian as zstd writes it; stored bodies leave it out.
constexpr char kMagic[4] = {'\x28', '\xb5', '\x2f', '\xfd'};
static_assert(ZSTD_MAGICNUMBER == 0xFD2FB528);

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

// Reads a varint at `at`, moving it past; nullopt when `bytes` ends first or it is too long.
std::optional<uint64_t> get_varint(std::string_view bytes, size_t& at) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64 && at < bytes.size(); shift += 7) {
    const auto byte = static_cast<uint8_t>(bytes[at++]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

Status corrupt(std::string_view why) { return Status(Code::internal, "span body is corrupt: " + std::string(why)); }

}  // namespace

std::string payload_of(const std::array<std::string_view, kTextCount>& texts) {
  size_t size = 0;
  for (std::string_view text : texts) size += text.size() + 5;
  std::string payload;
  payload.reserve(size);
  for (std::string_view text : texts) {
    put_varint(payload, text.size());
    payload += text;
  }
  return payload;
}

Compressor::Compressor(int level) : level_(level), context_(ZSTD_createCCtx()) {
  ZSTD_CCtx_setParameter(context_, ZSTD_c_compressionLevel, level_);
  // The body's own header names the dictionary, and a stored body is small: each byte of frame header counts.
  ZSTD_CCtx_setParameter(context_, ZSTD_c_dictIDFlag, 0);
  ZSTD_CCtx_setParameter(context_, ZSTD_c_checksumFlag, 0);
  ZSTD_CCtx_setParameter(context_, ZSTD_c_contentSizeFlag, 1);
}

Compressor::~Compressor() {
  ZSTD_freeCCtx(context_);
  ZSTD_freeCDict(dictionary_);
}

Status Compressor::use_dictionary(int64_t id, std::string_view dictionary) {
  ZSTD_CDict* prepared = ZSTD_createCDict(dictionary.data(), dictionary.size(), level_);
  if (prepared == nullptr) return Status(Code::internal, "zstd could not prepare span body dictionary " + std::to_string(id));
  if (size_t r = ZSTD_CCtx_refCDict(context_, prepared); ZSTD_isError(r)) {
    ZSTD_freeCDict(prepared);
    return Status(Code::internal, std::string("zstd: ") + ZSTD_getErrorName(r));
  }
  ZSTD_freeCDict(dictionary_);
  dictionary_ = prepared;
  dictionary_id_ = id;
  return Status::ok();
}

Result<std::string> Compressor::encode(const std::array<std::string_view, kTextCount>& texts, uint64_t cap) {
  const std::string payload = payload_of(texts);
  if (payload.size() > cap) {
    return Status(Code::invalid_argument, "span texts of " + std::to_string(payload.size()) + " bytes exceed the body cap of " +
                                              std::to_string(cap) + " bytes");
  }
  std::string body(1, static_cast<char>(kFormatVersion));
  put_varint(body, static_cast<uint64_t>(dictionary_id_));
  const size_t header = body.size();
  const size_t bound = ZSTD_compressBound(payload.size());
  body.resize(header + bound);
  const size_t written = ZSTD_compress2(context_, body.data() + header, bound, payload.data(), payload.size());
  if (ZSTD_isError(written)) return Status(Code::internal, std::string("zstd: ") + ZSTD_getErrorName(written));
  if (written < sizeof kMagic || std::memcmp(body.data() + header, kMagic, sizeof kMagic) != 0) {
    return Status(Code::internal, "zstd wrote a frame without its magic number");
  }
  body.erase(header, sizeof kMagic);
  body.resize(header + written - sizeof kMagic);
  return body;
}

Decompressor::Decompressor() : context_(ZSTD_createDCtx()) {}

Decompressor::~Decompressor() { ZSTD_freeDCtx(context_); }

Status Decompressor::add_dictionary(int64_t id, std::string_view dictionary) {
  ZSTD_DDict* prepared = ZSTD_createDDict(dictionary.data(), dictionary.size());
  if (prepared == nullptr) return corrupt("dictionary " + std::to_string(id) + " does not load");
  dictionaries_[id].reset(prepared);
  return Status::ok();
}

Result<int64_t> Decompressor::dictionary_of(std::string_view body) {
  if (body.empty() || static_cast<uint8_t>(body[0]) != kFormatVersion) return corrupt("unknown format");
  size_t at = 1;
  auto id = get_varint(body, at);
  if (!id || *id > static_cast<uint64_t>(INT64_MAX)) return corrupt("no dictionary id");
  return static_cast<int64_t>(*id);
}

Result<Texts> Decompressor::decode(std::string_view body, uint64_t cap) {
  auto id = dictionary_of(body);
  if (!id) return id.status();
  size_t at = 1;
  (void)get_varint(body, at);
  const ZSTD_DDict* dictionary = nullptr;
  if (*id != 0) {
    auto found = dictionaries_.find(*id);
    if (found == dictionaries_.end()) return corrupt("its dictionary " + std::to_string(*id) + " is missing");
    dictionary = found->second.get();
  }
  frame_.assign(kMagic, sizeof kMagic);
  frame_.append(body.substr(at));
  const unsigned long long size = ZSTD_getFrameContentSize(frame_.data(), frame_.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) return corrupt("no frame header");
  if (size > cap) {
    return Status(Code::resource_exhausted,
                  "span body of " + std::to_string(size) + " bytes exceeds the cap of " + std::to_string(cap) + " bytes");
  }
  std::string payload(size, '\0');
  const size_t read = dictionary != nullptr
                          ? ZSTD_decompress_usingDDict(context_, payload.data(), payload.size(), frame_.data(), frame_.size(), dictionary)
                          : ZSTD_decompressDCtx(context_, payload.data(), payload.size(), frame_.data(), frame_.size());
  if (ZSTD_isError(read)) return corrupt(ZSTD_getErrorName(read));
  if (read != size) return corrupt("shorter than its header says");
  Texts texts;
  size_t next = 0;
  for (std::string& text : texts.values) {
    auto length = get_varint(payload, next);
    if (!length || *length > payload.size() - next) return corrupt("a text runs past its end");
    text.assign(payload, next, *length);
    next += *length;
  }
  if (next != payload.size()) return corrupt("bytes after its texts");
  return texts;
}

}  // namespace spanline::indexer::span_body
