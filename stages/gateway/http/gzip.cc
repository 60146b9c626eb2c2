#include "stages/gateway/http/gzip.h"

#include <zlib.h>

namespace spanline::gateway {

Result<std::string> gunzip(std::string_view body, size_t max_output_bytes) {
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return Status(Code::internal, "zlib could not start");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  std::string out;
  char buffer[64 * 1024];
  int rc = Z_OK;
  // A gzip file may hold several members back to back (RFC 1952 2.2); each
  // is inflated in turn, so none is dropped silently.
  while (true) {
    if (rc == Z_STREAM_END) {
      if (stream.avail_in == 0) break;
      if (inflateReset(&stream) != Z_OK) {
        inflateEnd(&stream);
        return Status(Code::internal, "zlib could not continue");
      }
    }
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&stream);
      return Status(Code::invalid_argument, "the gzip body is corrupt or truncated");
    }
    out.append(buffer, sizeof buffer - stream.avail_out);
    if (out.size() > max_output_bytes) {
      inflateEnd(&stream);
      return Status(Code::resource_exhausted, "the decompressed body is larger than the limit of " +
                                                  std::to_string(max_output_bytes) + " bytes");
    }
    if (rc == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      return Status(Code::invalid_argument, "the gzip body is truncated");
    }
  }
  inflateEnd(&stream);
  return out;
}

std::string gzip(std::string_view data) {
  z_stream stream{};
  deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace spanline::gateway
