#include "stages/launcher/admin_commands.h"

#include <cstdio>
#include <ctime>
#include <iostream>

#include "protocol/auth/auth_client.h"

namespace spanline::launcher {

namespace {

std::string format_time(std::optional<int64_t> ms) {
  if (!ms) return "never";
  std::time_t seconds = static_cast<std::time_t>(*ms / 1000);
  char text[32];
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%SZ", &utc);
  return text;
}

int fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "spanline %s: %s\n", what.c_str(), status.to_string().c_str());
  return status.code() == Code::invalid_argument ? 2 : 1;
}

// The length of the UTF-8 sequence at `at` when well-formed, else 0.
size_t utf8_length(const std::string& text, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  size_t length = lead < 0x80 ? 1 : (lead >= 0xC2 && lead <= 0xDF) ? 2 : lead >> 4 == 0xE ? 3 : (lead >= 0xF0 && lead <= 0xF4) ? 4 : 0;
  if (length == 0 || at + length > text.size()) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return 0;
  }
  return length;
}

}  // namespace

std::string printable(const std::string& text) {
  std::string out;
  char hex[16];
  for (size_t at = 0; at < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[at]);
    const size_t length = utf8_length(text, at);
    if (length == 0 || c < 0x20 || c == 0x7F) {
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
      ++at;
      continue;
    }
    if (c == '\\') {
      out += "\\\\";
      ++at;
      continue;
    }
    // C1 controls (U+0080..U+009F, CSI among them) are two bytes: C2 80..C2 9F.
    if (length == 2 && c == 0xC2 && static_cast<unsigned char>(text[at + 1]) <= 0x9F) {
      std::snprintf(hex, sizeof hex, "\\u{%04x}", static_cast<unsigned char>(text[at + 1]));
      out += hex;
    } else {
      out.append(text, at, length);
    }
    at += length;
  }
  return out;
}

int run_admin_command(const AdminArgs& args) {
  const auto& words = args.positional;
  const std::string noun = words.at(0);
  const std::string verb = words.size() > 1 ? words[1] : "";
  const std::string what = noun + (verb.empty() ? "" : " " + verb);
  bus::Context context(args.bus_key);
  auth::AuthClient client(context, args.auth_endpoint);
  // Every user and key op names who asks; the CLI is the operator.
  const auth::Asker me = auth::Asker::the_operator();

  if (noun == "user" && verb == "create") {
    if (args.email.empty()) return fail(what, Status(Code::invalid_argument, "--email is required"));
    std::string password = args.password;
    if (password.empty()) {
      std::fprintf(stderr, "password for %s: ", args.email.c_str());
      std::getline(std::cin, password);
    }
    auto reply = client.create_user({me, args.email, password, args.role});
    if (!reply) return fail(what, reply.status());
    std::printf("created user %s (id %lld, %s)\n", printable(args.email).c_str(), static_cast<long long>(reply->user.id),
                reply->user.role.c_str());
    return 0;
  }
  if (noun == "user" && (verb == "delete" || verb == "role")) {
    const size_t needed = verb == "delete" ? 3 : 4;
    const std::optional<int64_t> id = words.size() == needed ? auth::user_id_from_text(words[2]) : std::nullopt;
    if (!id) {
      return fail(what, Status(Code::invalid_argument, verb == "delete" ? "say which user: spanline user delete <id>"
                                                                        : "say which user and role: spanline user role <id> admin|member|viewer"));
    }
    if (verb == "delete") {
      auto reply = client.delete_user({me, *id});
      if (!reply) return fail(what, reply.status());
      std::printf("deleted user %lld and revoked %zu API key(s)\n", static_cast<long long>(*id), reply->revoked_key_ids.size());
    } else {
      auto reply = client.set_user_role({me, *id, words[3]});
      if (!reply) return fail(what, reply.status());
      std::printf("user %lld is now %s\n", static_cast<long long>(*id), words[3].c_str());
    }
    return 0;
  }
  if (noun == "user" && verb == "list") {
    auto reply = client.list_users({me});
    if (!reply) return fail(what, reply.status());
    if (args.json) {
      std::printf("%s\n", auth::encode(*reply)["users"].dump().c_str());
      return 0;
    }
    for (const auth::UserInfo& user : reply->users) {
      std::printf("%-6lld %-40s %-7s created %s\n", static_cast<long long>(user.id), printable(user.email).c_str(), user.role.c_str(),
                  format_time(user.created_at_ms).c_str());
    }
    return 0;
  }
  if (noun == "key" && verb == "create") {
    if (args.name.empty()) return fail(what, Status(Code::invalid_argument, "--name is required"));
    auto reply = client.create_api_key({me, args.name});
    if (!reply) return fail(what, reply.status());
    if (args.json) {
      std::printf("%s\n", auth::encode(*reply).dump().c_str());
      return 0;
    }
    std::fprintf(stderr, "API key '%s' (id %s) created; it is shown only now:\n", printable(args.name).c_str(), reply->info.id.c_str());
    std::printf("%s\n", reply->key.c_str());
    return 0;
  }
  if (noun == "key" && verb == "list") {
    auto reply = client.list_api_keys({me});
    if (!reply) return fail(what, reply.status());
    if (args.json) {
      std::printf("%s\n", auth::encode(*reply)["api_keys"].dump().c_str());
      return 0;
    }
    std::printf("%-18s %-30s %-30s %-22s %s\n", "id", "name", "owner", "created", "last used");
    for (const auth::ApiKeyInfo& key : reply->api_keys) {
      const std::string owner_text = key.owner ? key.owner->email : "(none yet: the first user)";
      std::printf("%-18s %-30s %-30s %-22s %s\n", printable(key.id).c_str(), printable(key.name).c_str(), printable(owner_text).c_str(),
                  format_time(key.created_at_ms).c_str(), format_time(key.last_used_at_ms).c_str());
    }
    return 0;
  }
  if (noun == "key" && verb == "revoke") {
    if (words.size() != 3) return fail(what, Status(Code::invalid_argument, "say which key: spanline key revoke <id>"));
    auto reply = client.delete_api_key({me, words[2]});
    if (!reply) return fail(what, reply.status());
    std::printf("revoked API key %s\n", printable(words[2]).c_str());
    return 0;
  }
  if (noun == "signing-key" && verb == "rotate") {
    auto reply = client.rotate_signing_key();
    if (!reply) return fail(what, reply.status());
    std::printf("new signing key %s; the previous one stays in the JWKS until its tokens expire\n", reply->kid.c_str());
    return 0;
  }
  return fail(what, Status(Code::invalid_argument, "unknown command (user create|list|delete|role, key create|list|revoke, signing-key rotate)"));
}

}  // namespace spanline::launcher
