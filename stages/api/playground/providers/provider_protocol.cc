#include "stages/api/playground/providers/provider_protocol.h"

#include "protocol/auth/auth_messages.h"

#include "stages/api/playground/providers/protocol_support.h"

namespace spanline::api::playground {

// The names are the auth hop's (kProviderKinds, declared in ProviderKind's order),
// so the settings store and the playground spell each kind in one place.
static_assert(auth::kProviderKinds.size() == static_cast<size_t>(ProviderKind::gemini) + 1, "one name per ProviderKind");

std::string_view provider_kind_name(ProviderKind kind) { return auth::kProviderKinds[static_cast<size_t>(kind)]; }

std::optional<ProviderKind> provider_kind_from_name(std::string_view name) {
  for (const ProviderKind kind : {ProviderKind::openai, ProviderKind::anthropic, ProviderKind::gemini}) {
    if (provider_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string_view failure_kind_name(ProviderFailure::Kind kind) {
  using Kind = ProviderFailure::Kind;
  switch (kind) {
    case Kind::unreachable: return "unreachable";
    case Kind::timeout: return "timeout";
    case Kind::stalled: return "stalled";
    case Kind::unauthorized: return "unauthorized";
    case Kind::rate_limited: return "rate_limited";
    case Kind::overloaded: return "overloaded";
    case Kind::content_filtered: return "content_filtered";
    case Kind::model_not_found: return "model_not_found";
    case Kind::bad_request: return "bad_request";
    case Kind::provider_error: return "provider_error";
    case Kind::cancelled: return "cancelled";
  }
  return "provider_error";
}

const ProviderProtocol& protocol_for(ProviderKind kind) {
  switch (kind) {
    case ProviderKind::openai: return detail::openai_chat_protocol();
    case ProviderKind::anthropic: return detail::anthropic_messages_protocol();
    case ProviderKind::gemini: return detail::gemini_generate_protocol();
  }
  return detail::openai_chat_protocol();
}

}  // namespace spanline::api::playground
