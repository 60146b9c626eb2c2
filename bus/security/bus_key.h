#pragma once
// The deployment's bus key: one CURVE key pair that every stage of a deployment
// holds (written by `spanline keygen`). With it, every bus socket is encrypted and
// a peer must prove it holds the same secret key to be let in; without it the bus
// is plain, which is what a single host with ipc:// sockets in a private folder
// needs. One shared pair keeps configuration to a single variable; the cost is
// that a stolen key file lets its holder join until every stage gets a new one.

#include <string>
#include <string_view>

#include "base/status.h"

namespace spanline::bus {

struct BusKey {
  std::string public_z85;  // 40 Z85 characters
  std::string secret_z85;  // 40 Z85 characters; empty: CURVE off

  bool enabled() const { return !secret_z85.empty(); }
};

// The help text shared by every binary's --curve-secret-key option.
inline constexpr std::string_view kCurveSecretKeyHelp =
    "Bus CURVE secret key (40 Z85 characters) or the path of a key file from `spanline keygen`; every stage of a "
    "deployment must use the same one. Empty: bus sockets are not encrypted.";

// Reads the option's value: empty (CURVE off), a Z85 secret key, or the path of
// a key file ("secret-key=..." line; a "public-key=..." line must then match).
Result<BusKey> load_bus_key(const std::string& value);

// A fresh key pair from libzmq's CURVE implementation.
Result<BusKey> generate_bus_key();

// The text of a key file as `spanline keygen` writes it.
std::string key_file_text(const BusKey& key, std::string_view created_utc);

}  // namespace spanline::bus
