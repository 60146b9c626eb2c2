#include "bus/security/bus_key.h"

#include <zmq.h>

#include <fstream>
#include <sstream>

namespace spanline::bus {
namespace {

constexpr size_t kZ85KeyLength = 40;

bool looks_like_z85_key(std::string_view text) {
  if (text.size() != kZ85KeyLength) return false;
  static constexpr std::string_view kAlphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  return text.find_first_not_of(kAlphabet) == std::string_view::npos;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

Result<BusKey> from_secret(std::string_view secret, std::string_view source) {
  if (!looks_like_z85_key(secret)) {
    return Status(Code::invalid_argument, std::string(source) + ": a CURVE secret key is 40 Z85 characters");
  }
  char public_key[kZ85KeyLength + 1] = {};
  std::string secret_text(secret);
  if (zmq_curve_public(public_key, secret_text.c_str()) != 0) {
    return Status(Code::invalid_argument, std::string(source) + ": libzmq cannot derive a public key (" +
                                              zmq_strerror(zmq_errno()) + "); is it built with CURVE?");
  }
  return BusKey{.public_z85 = public_key, .secret_z85 = std::move(secret_text)};
}

}  // namespace

Result<BusKey> load_bus_key(const std::string& value) {
  if (value.empty()) return BusKey{};
  if (looks_like_z85_key(value)) return from_secret(value, "--curve-secret-key");
  std::ifstream file(value);
  if (!file) {
    return Status(Code::invalid_argument,
                  "--curve-secret-key: neither a 40-character Z85 key nor a readable key file: " + value);
  }
  std::string secret;
  std::string expected_public;
  std::string line;
  while (std::getline(file, line)) {
    std::string_view text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    std::string_view name = trim(text.substr(0, equals));
    std::string_view key = trim(text.substr(equals + 1));
    if (name == "secret-key") secret = key;
    if (name == "public-key") expected_public = key;
  }
  if (secret.empty()) return Status(Code::invalid_argument, value + ": no secret-key= line (write one with `spanline keygen`)");
  auto key = from_secret(secret, value);
  if (!key) return key.status();
  if (!expected_public.empty() && expected_public != key->public_z85) {
    return Status(Code::invalid_argument, value + ": public-key does not belong to secret-key");
  }
  return key;
}

Result<BusKey> generate_bus_key() {
  char public_key[kZ85KeyLength + 1] = {};
  char secret_key[kZ85KeyLength + 1] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    return Status(Code::internal, std::string("zmq_curve_keypair: ") + zmq_strerror(zmq_errno()));
  }
  return BusKey{.public_z85 = public_key, .secret_z85 = secret_key};
}

std::string key_file_text(const BusKey& key, std::string_view created_utc) {
  std::ostringstream out;
  out << "# Spanline bus key (CURVE), written by `spanline keygen` at " << created_utc << ".\n"
      << "# Give every stage of one deployment this same file (--curve-secret-key PATH or\n"
      << "# SPANLINE_CURVE_SECRET_KEY=PATH). Keep it secret: whoever holds it can join the bus.\n"
      << "public-key=" << key.public_z85 << "\n"
      << "secret-key=" << key.secret_z85 << "\n";
  return out.str();
}

}  // namespace spanline::bus
