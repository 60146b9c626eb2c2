// The provider kinds the auth-responder stores (auth_messages.h, kProviderKinds)
// are exactly those the api's playground speaks (ProviderKind), so a provider
// an admin saves is always one the api can call.
#include <gtest/gtest.h>

#include <algorithm>

#include "protocol/auth/auth_codec.h"
#include "stages/api/playground/providers/provider_protocol.h"

namespace spanline::api::playground {
namespace {

TEST(ProviderKinds, TheAuthHopAndThePlaygroundNameTheSameKinds) {
  for (std::string_view name : auth::kProviderKinds) {
    auto kind = provider_kind_from_name(name);
    ASSERT_TRUE(kind.has_value()) << name;
    EXPECT_EQ(provider_kind_name(*kind), name);
  }
  for (ProviderKind kind : {ProviderKind::openai, ProviderKind::anthropic, ProviderKind::gemini}) {
    EXPECT_TRUE(auth::check_provider_kind(provider_kind_name(kind)).is_ok()) << provider_kind_name(kind);
  }
  EXPECT_EQ(auth::check_provider_kind("cohere").message(), "field 'kind' must be one of openai, anthropic, gemini");
}

}  // namespace
}  // namespace spanline::api::playground
