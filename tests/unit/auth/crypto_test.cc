// Credentials primitives: what a user would notice is a password that verifies
// when it should not, or a forged token that is accepted.
#include <gtest/gtest.h>

#include <limits>

#include "base/crypto/jwt.h"
#include "base/crypto/password_hash.h"
#include "base/crypto/secrets.h"
#include "base/crypto/signing_key.h"

namespace spanline::auth {
namespace {

TEST(Base64Url, RoundTripsEveryLengthAndRefusesNonCanonicalText) {
  for (size_t n = 0; n < 40; ++n) {
    std::string bytes = random_bytes(n);
    std::string text = base64url_encode(bytes);
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
    auto back = base64url_decode(text);
    ASSERT_TRUE(back.is_ok()) << n;
    EXPECT_EQ(*back, bytes);
  }
  EXPECT_EQ(*base64url_decode("aGk"), "hi");
  EXPECT_FALSE(base64url_decode("aGk=").is_ok()) << "padding";
  EXPECT_FALSE(base64url_decode("aGl").is_ok()) << "non-zero leftover bits";
  EXPECT_FALSE(base64url_decode("a").is_ok()) << "impossible length";
  EXPECT_FALSE(base64url_decode("a+b/").is_ok()) << "standard alphabet";
}

TEST(Secrets, RandomTokensDifferAndComparisonsNeedEqualLength) {
  EXPECT_NE(random_token(), random_token());
  EXPECT_EQ(random_token().size(), 43u);
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2 example
}

TEST(PasswordHash, VerifiesOnlyTheRightPasswordAndSaltsEachHash) {
  ScryptCost cheap{.log2_n = 10};
  std::string stored = hash_password("correct horse", cheap);
  EXPECT_EQ(stored.rfind("scrypt$10$8$1$", 0), 0u) << stored;
  EXPECT_EQ(stored.find("correct"), std::string::npos) << "the password itself is never stored";
  EXPECT_TRUE(*verify_password("correct horse", stored));
  EXPECT_FALSE(*verify_password("correct horsE", stored));
  EXPECT_FALSE(*verify_password("", stored));
  EXPECT_NE(hash_password("correct horse", cheap), stored) << "a fresh salt each time";
  EXPECT_FALSE(verify_password("x", "scrypt$10$8$1$bad").is_ok());
  EXPECT_FALSE(verify_password("x", "plain-text").is_ok());
}

class Tokens : public ::testing::Test {
 protected:
  SigningKey key = SigningKey::generate("k1");
  SigningKey other = SigningKey::generate("k2");
  int64_t now = 1'800'000'000;
  TokenClaims claims{"spanline", "spanline-ingest", "key-1", "jti-1", now, now, now + 3600};
  TokenExpectations expect{"spanline", "spanline-ingest", now, 30};

  KeyLookup published(std::vector<SigningKey> keys) {
    return [keys](const std::string& kid) -> std::optional<VerifyKey> {
      for (const auto& k : keys) {
        if (k.kid() == kid) return *VerifyKey::from_jwk(k.public_jwk());
      }
      return std::nullopt;
    };
  }
  std::string reason(const std::string& token, KeyLookup keys) {
    auto verified = verify_token(token, keys, expect);
    EXPECT_FALSE(verified.is_ok());
    EXPECT_EQ(verified.status().code(), Code::unauthenticated);
    return verified.status().message();
  }
  static std::string part(const json& value) { return base64url_encode(value.dump()); }
};

TEST_F(Tokens, AValidTokenVerifiesWithItsClaims) {
  auto verified = verify_token(sign_token(claims, key), published({key}), expect);
  ASSERT_TRUE(verified.is_ok()) << verified.status().message();
  EXPECT_EQ(verified->subject, "key-1");
  EXPECT_EQ(verified->expires_at, now + 3600);
}

TEST_F(Tokens, EveryRejectionSaysWhy) {
  std::string good = sign_token(claims, key);
  auto keys = published({key});
  std::string body = good.substr(good.find('.') + 1, good.rfind('.') - good.find('.') - 1);
  std::string signature = good.substr(good.rfind('.') + 1);

  EXPECT_NE(reason("not-a-jwt", keys).find("three"), std::string::npos);
  EXPECT_NE(reason(part({{"alg", "none"}, {"kid", "k1"}}) + "." + body + ".", keys).find("'none'"), std::string::npos);
  EXPECT_NE(reason(part({{"alg", "RS256"}, {"kid", "k1"}}) + "." + body + "." + signature, keys).find("wrong algorithm RS256"),
            std::string::npos);
  EXPECT_NE(reason(part({{"alg", "HS256"}, {"kid", "k1"}}) + "." + body + "." + signature, keys).find("wrong algorithm"),
            std::string::npos);
  EXPECT_NE(reason(sign_token(claims, other), keys).find("unknown signing key 'k2'"), std::string::npos);
  // Same kid, another key's signature: a forgery.
  SigningKey forger = SigningKey::generate("k1");
  EXPECT_NE(reason(sign_token(claims, forger), keys).find("bad signature"), std::string::npos);
  // Claims changed after signing.
  std::string tampered = good.substr(0, good.find('.') + 1) + part({{"iss", "spanline"}, {"aud", "spanline-ingest"}, {"exp", now + 100000}}) +
                         "." + signature;
  EXPECT_NE(reason(tampered, keys).find("bad signature"), std::string::npos);

  TokenClaims expired = claims;
  expired.expires_at = now - 31;
  EXPECT_NE(reason(sign_token(expired, key), keys).find("expired"), std::string::npos);
  TokenClaims early = claims;
  early.not_before = now + 31;
  EXPECT_NE(reason(sign_token(early, key), keys).find("not yet valid"), std::string::npos);
  TokenClaims issuer = claims;
  issuer.issuer = "someone-else";
  EXPECT_NE(reason(sign_token(issuer, key), keys).find("wrong issuer"), std::string::npos);
  TokenClaims audience = claims;
  audience.audience = "another-service";
  EXPECT_NE(reason(sign_token(audience, key), keys).find("wrong audience"), std::string::npos);
  EXPECT_NE(reason(std::string(9000, 'a'), keys).find("8192"), std::string::npos);
}

// Issue 25, item 6: any lifetime, a missing sub and times that are not numbers were accepted.
TEST_F(Tokens, LifetimeSubAndTimeTypesAreChecked) {
  auto keys = published({key});
  TokenExpectations capped = expect;
  capped.max_lifetime_seconds = 3600;
  auto refused = [&](const std::string& token) {
    auto verified = verify_token(token, keys, capped);
    EXPECT_FALSE(verified.is_ok());
    return verified.status().message();
  };
  EXPECT_TRUE(verify_token(sign_token(claims, key), keys, capped).is_ok()) << "exactly the issuer's lifetime";
  TokenClaims long_lived = claims;
  long_lived.expires_at = 32'503'680'000;  // the year 3000
  EXPECT_NE(refused(sign_token(long_lived, key)).find("lives longer"), std::string::npos);
  TokenClaims backdated = claims;  // an old iat to look short-lived, still living 2 h from now
  backdated.issued_at = now - 10'000;
  backdated.expires_at = now + 7200;
  EXPECT_NE(refused(sign_token(backdated, key)).find("lives longer"), std::string::npos);
  TokenClaims extreme = claims;
  extreme.issued_at = std::numeric_limits<int64_t>::min();
  extreme.not_before = 0;
  EXPECT_FALSE(verify_token(sign_token(extreme, key), keys, capped).is_ok()) << "no overflow in exp - iat";
  TokenClaims future_iat = claims;
  future_iat.issued_at = now + 600;
  EXPECT_NE(refused(sign_token(future_iat, key)).find("issued in the future"), std::string::npos);
  TokenClaims no_subject = claims;
  no_subject.subject = "";
  EXPECT_NE(refused(sign_token(no_subject, key)).find("no sub claim"), std::string::npos);

  auto with_claims = [&](const json& body) {
    std::string signed_part = part({{"alg", "EdDSA"}, {"kid", "k1"}}) + "." + part(body);
    return signed_part + "." + base64url_encode(key.sign(signed_part));
  };
  json good = {{"iss", "spanline"}, {"aud", "spanline-ingest"}, {"sub", "key-1"}, {"iat", now}, {"nbf", now}, {"exp", now + 60}};
  EXPECT_TRUE(verify_token(with_claims(good), keys, capped).is_ok());
  for (const char* name : {"exp", "nbf", "iat"}) {
    json wrong = good;
    wrong[name] = std::to_string(now);
    EXPECT_NE(refused(with_claims(wrong)).find(std::string(name) + " must be a number"), std::string::npos) << name;
  }
  json huge = good;
  huge["exp"] = std::numeric_limits<uint64_t>::max();
  EXPECT_NE(refused(with_claims(huge)).find("exp must be a number"), std::string::npos);
  json no_iat = good;
  no_iat.erase("iat");
  EXPECT_NE(refused(with_claims(no_iat)).find("no iat"), std::string::npos);
  json numeric_sub = good;
  numeric_sub["sub"] = 5;
  EXPECT_NE(refused(with_claims(numeric_sub)).find("no sub claim"), std::string::npos);
}

TEST_F(Tokens, WithinLeewayIsStillValid) {
  TokenClaims just_expired = claims;
  just_expired.expires_at = now - 10;
  EXPECT_TRUE(verify_token(sign_token(just_expired, key), published({key}), expect).is_ok());
}

TEST_F(Tokens, KeysSurviveAPemRoundTripAndJwksCarryOnlyPublicParts) {
  auto again = SigningKey::from_pem("k1", key.private_pem());
  ASSERT_TRUE(again.is_ok());
  EXPECT_TRUE(verify_token(sign_token(claims, *again), published({key}), expect).is_ok());
  json jwk = key.public_jwk();
  EXPECT_EQ(jwk["kty"], "OKP");
  EXPECT_EQ(jwk["crv"], "Ed25519");
  EXPECT_EQ(jwk["alg"], "EdDSA");
  EXPECT_EQ(jwk["kid"], "k1");
  EXPECT_FALSE(jwk.contains("d")) << "no private part in a JWK we publish";
  EXPECT_FALSE(VerifyKey::from_jwk({{"kty", "RSA"}, {"kid", "x"}}).is_ok());
  EXPECT_FALSE(VerifyKey::from_jwk({{"kty", "OKP"}, {"crv", "Ed25519"}, {"kid", "x"}, {"x", "AAAA"}}).is_ok());
}

}  // namespace
}  // namespace spanline::auth
