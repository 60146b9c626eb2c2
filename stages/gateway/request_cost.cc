#include "stages/gateway/request_cost.h"

#include <utility>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/message.h>
#include <google/protobuf/wire_format_lite.h>

namespace spanline::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::CodedInputStream;
using google::protobuf::internal::WireFormatLite;

// Heap block header, RepeatedPtrField slot and growth slack per sub-message,
// plus a quarter of the message's size (internal metadata, has-bits, arenas'
// rounding): calibrated against SpaceUsedLong() in request_cost_test.
constexpr uint64_t kMessageOverhead = 48;
// A std::string longer than its small-string buffer is a heap block of its own
// (allocators round up; strings grown while parsing keep spare capacity).
constexpr uint64_t kInlineStringBytes = 15;
constexpr uint64_t kStringOverhead = 48;
// protobuf's own default recursion limit: deeper requests fail to parse anyway.
constexpr int kMaxDepth = 100;

class Walker {
 public:
  Walker(uint64_t budget, int total_bytes) : budget_(budget), total_bytes_(total_bytes) {}

  // False: malformed. Stops early (true, over budget) once the budget is passed.
  bool walk(CodedInputStream& in, const Descriptor* type, int depth) {
    while (true) {
      uint32_t tag = in.ReadTag();
      if (tag == 0) return true;  // end of this message (or an invalid zero tag: the caller checks position)
      const int number = WireFormatLite::GetTagFieldNumber(tag);
      const auto wire_type = WireFormatLite::GetTagWireType(tag);
      const FieldDescriptor* field = type->FindFieldByNumber(number);
      if (wire_type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
        uint32_t length = 0;
        if (!in.ReadVarint32(&length)) return false;
        // A length past the end of the bytes (PushLimit would clamp it silently).
        if (length > static_cast<uint32_t>(total_bytes_ - in.CurrentPosition())) return false;
        if (field != nullptr && field->type() == FieldDescriptor::TYPE_MESSAGE) {
          if (depth + 1 >= kMaxDepth) return false;
          cost_.messages += 1;
          add(size_of(field->message_type()) + kMessageOverhead);
          auto limit = in.PushLimit(static_cast<int>(length));
          if (!walk(in, field->message_type(), depth + 1)) return false;
          if (over_budget()) return true;
          if (in.BytesUntilLimit() != 0) return false;  // stopped inside the sub-message: invalid bytes
          in.PopLimit(limit);
        } else {
          if (field != nullptr && field->is_repeated() && field->is_packable()) {
            // Packed numbers: a 1-byte varint becomes an 8-byte element.
            add(static_cast<uint64_t>(length) * 8);
          } else if (length > kInlineStringBytes) {
            add(length + kStringOverhead);
          }
          if (!in.Skip(static_cast<int>(length))) return false;
        }
      } else {
        if (wire_type == WireFormatLite::WIRETYPE_END_GROUP) return false;
        if (!WireFormatLite::SkipField(&in, tag)) return false;
        if (field != nullptr && field->is_repeated()) add(8);
      }
      if (over_budget()) return true;
    }
  }

  const ParseCost& cost() const { return cost_; }
  bool over_budget() const { return cost_.over_budget; }
  void add(uint64_t bytes) {
    cost_.memory_bytes += bytes;
    if (cost_.memory_bytes > budget_) cost_.over_budget = true;
  }

 private:
  // A message type's in-memory size, looked up once per type per request.
  uint64_t size_of(const Descriptor* type) {
    for (const auto& [known, size] : sizes_) {
      if (known == type) return size;
    }
    const google::protobuf::Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
    uint64_t size = prototype != nullptr ? prototype->SpaceUsedLong() : 256;
    size += size / 4;
    sizes_.emplace_back(type, size);
    return size;
  }

  uint64_t budget_;
  int total_bytes_;
  ParseCost cost_;
  std::vector<std::pair<const Descriptor*, uint64_t>> sizes_;
};

}  // namespace

Result<ParseCost> estimate_protobuf_parse(std::string_view bytes, const Descriptor* type, uint64_t budget_bytes) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    return Status(Code::invalid_argument, "the request is larger than protobuf can parse");
  }
  Walker walker(budget_bytes, static_cast<int>(bytes.size()));
  // The request's own bytes stay in memory while it is parsed.
  walker.add(bytes.size());
  bool well_formed = walker.walk(in, type, 0);
  if (walker.over_budget()) return walker.cost();
  if (!well_formed || in.CurrentPosition() != static_cast<int>(bytes.size())) {
    return Status(Code::invalid_argument, "the request is not a valid " + type->name() + " protobuf");
  }
  return walker.cost();
}

ParseCost estimate_json_parse(std::string_view text) {
  // nlohmann::json: 16 bytes a value, ~64 more per object member (a map node
  // and its key), strings on the heap; then the protobuf made from it, whose
  // size the same structure bounds. The constants are generous on purpose.
  constexpr uint64_t kPerValue = 16 + 64;
  constexpr uint64_t kPerMember = 64 + 64;
  uint64_t values = 0, members = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{': case '[': case ',': ++values; break;
      case ':': ++members; break;
      default: break;
    }
  }
  ParseCost cost;
  cost.messages = values;
  cost.memory_bytes = 3 * static_cast<uint64_t>(text.size()) + values * kPerValue + members * kPerMember;
  return cost;
}

}  // namespace spanline::gateway
