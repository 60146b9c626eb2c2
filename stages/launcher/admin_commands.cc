#include "stages/launcher/admin_commands.h"

#include <cstdio>
#include <ctime>
#include <iostream>

#include "stages/auth/client/auth_client.h"

namespace spanline::launcher {

namespace {

using auth::json;

std::string format_time(const json& ms) {
  if (!ms.is_number_integer()) return "never";
  std::time_t seconds = static_cast<std::time_t>(ms.get<int64_t>() / 1000);
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

}  // namespace

int run_admin_command(const AdminArgs& args) {
  const auto& words = args.positional;
  const std::string noun = words.at(0);
  const std::string verb = words.size() > 1 ? words[1] : "";
  const std::string what = noun + (verb.empty() ? "" : " " + verb);
  bus::Context context(args.bus_key);
  auth::AuthClient client(context, args.auth_endpoint);
  auto ask = [&](const json& request) { return client.call(request); };

  if (noun == "user" && verb == "create") {
    if (args.email.empty()) return fail(what, Status(Code::invalid_argument, "--email is required"));
    std::string password = args.password;
    if (password.empty()) {
      std::fprintf(stderr, "password for %s: ", args.email.c_str());
      std::getline(std::cin, password);
    }
    auto reply = ask({{"op", "create_user"}, {"email", args.email}, {"password", password}});
    if (!reply) return fail(what, reply.status());
    std::printf("created user %s (id %lld)\n", args.email.c_str(), static_cast<long long>((*reply)["user"]["id"].get<int64_t>()));
    return 0;
  }
  if (noun == "user" && verb == "list") {
    auto reply = ask({{"op", "list_users"}});
    if (!reply) return fail(what, reply.status());
    if (args.json) {
      std::printf("%s\n", (*reply)["users"].dump().c_str());
      return 0;
    }
    for (const json& user : (*reply)["users"]) {
      std::printf("%-6lld %-40s created %s\n", static_cast<long long>(user["id"].get<int64_t>()),
                  user["email"].get<std::string>().c_str(), format_time(user["created_at_ms"]).c_str());
    }
    return 0;
  }
  if (noun == "key" && verb == "create") {
    if (args.name.empty()) return fail(what, Status(Code::invalid_argument, "--name is required"));
    auto reply = ask({{"op", "create_api_key"}, {"name", args.name}});
    if (!reply) return fail(what, reply.status());
    if (args.json) {
      std::printf("%s\n", reply->dump().c_str());
      return 0;
    }
    std::fprintf(stderr, "API key '%s' (id %s) created; it is shown only now:\n", args.name.c_str(),
                 (*reply)["id"].get<std::string>().c_str());
    std::printf("%s\n", (*reply)["key"].get<std::string>().c_str());
    return 0;
  }
  if (noun == "key" && verb == "list") {
    auto reply = ask({{"op", "list_api_keys"}});
    if (!reply) return fail(what, reply.status());
    if (args.json) {
      std::printf("%s\n", (*reply)["api_keys"].dump().c_str());
      return 0;
    }
    std::printf("%-18s %-30s %-22s %s\n", "id", "name", "created", "last used");
    for (const json& key : (*reply)["api_keys"]) {
      std::printf("%-18s %-30s %-22s %s\n", key["id"].get<std::string>().c_str(), key["name"].get<std::string>().c_str(),
                  format_time(key["created_at_ms"]).c_str(), format_time(key["last_used_at_ms"]).c_str());
    }
    return 0;
  }
  if (noun == "key" && verb == "revoke") {
    if (words.size() != 3) return fail(what, Status(Code::invalid_argument, "say which key: spanline key revoke <id>"));
    auto reply = ask({{"op", "delete_api_key"}, {"id", words[2]}});
    if (!reply) return fail(what, reply.status());
    std::printf("revoked API key %s\n", words[2].c_str());
    return 0;
  }
  if (noun == "signing-key" && verb == "rotate") {
    auto reply = ask({{"op", "rotate_signing_key"}});
    if (!reply) return fail(what, reply.status());
    std::printf("new signing key %s; the previous one stays in the JWKS until its tokens expire\n",
                (*reply)["kid"].get<std::string>().c_str());
    return 0;
  }
  return fail(what, Status(Code::invalid_argument, "unknown command (user create|list, key create|list|revoke, signing-key rotate)"));
}

}  // namespace spanline::launcher
