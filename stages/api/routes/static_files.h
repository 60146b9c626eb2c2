#pragma once
// The built web UI at / (from web/, built by the README's commands; never
// committed) and the OpenAPI document at /api/openapi.json.
//
// Files: a path is resolved inside the web folder only. Decoded "..", NUL,
// backslashes and symlinks leading outside the folder are refused, so no file
// outside it is ever served. Unknown paths without an extension get index.html
// (the single-page app routes them); unknown paths with one get 404. Hashed
// assets (assets/...) are cached for a year; index.html is never cached.

#include <filesystem>
#include <string>

#include "stages/api/http/api_types.h"

namespace spanline::api {

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path web_dir);

  ApiReply serve(const ApiRequest& request) const;
  const std::filesystem::path& root() const { return root_; }
  bool has_ui() const;

 private:
  ApiReply file(const std::filesystem::path& path, bool immutable) const;

  std::filesystem::path root_;
};

ApiReply openapi_document();

// Where the web UI is when --web-dir is not given: <binary>/../web, then web/dist of the source tree.
std::filesystem::path default_web_dir();

std::string content_type_for(const std::filesystem::path& path);

}  // namespace spanline::api
