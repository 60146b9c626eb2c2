#include "stages/api/routes/static_files.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "stages/api/openapi_json.h"

namespace spanline::api {
namespace {

constexpr uint64_t kMaxFileBytes = 64ULL << 20;

constexpr std::string_view kNoUiPage = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Spanline</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>Spanline</h1>
<p>The API is running, but the web UI has not been built. Run <code>make run</code> (or <code>make web</code>)
from the source folder, or start the api with <code>--web-dir</code> pointing at the built UI.</p>
<p>The REST API is described at <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>
)html";

}  // namespace

std::string content_type_for(const std::filesystem::path& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".json", "application/json"},             {".map", "application/json"},
      {".svg", "image/svg+xml"},             {".png", "image/png"},                      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},              {".woff2", "font/woff2"},                   {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"}, {".wasm", "application/wasm"},              {".webp", "image/webp"}};
  const std::string extension = path.extension().string();
  for (const auto& [ext, type] : kTypes) {
    if (extension == ext) return type;
  }
  return "application/octet-stream";
}

std::filesystem::path default_web_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (auto candidate : {exe.parent_path().parent_path() / "web", exe.parent_path().parent_path().parent_path() / "web" / "dist"}) {
      if (std::filesystem::exists(candidate / "index.html", ec)) return candidate;
    }
    return exe.parent_path().parent_path() / "web";
  }
  return "web/dist";
}

StaticFiles::StaticFiles(std::filesystem::path web_dir) {
  std::error_code ec;
  root_ = std::filesystem::weakly_canonical(web_dir, ec);
  if (ec) root_ = web_dir;
}

bool StaticFiles::has_ui() const {
  std::error_code ec;
  return std::filesystem::is_regular_file(root_ / "index.html", ec);
}

ApiReply StaticFiles::file(const std::filesystem::path& path, bool immutable) const {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxFileBytes) return error_reply(404, "not_found", "no such file");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  ApiReply reply;
  reply.content_type = content_type_for(path);
  reply.body = content.str();
  reply.cache_control = immutable ? "public, max-age=31536000, immutable" : "no-cache";
  return reply;
}

ApiReply StaticFiles::serve(const ApiRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    ApiReply reply = error_reply(405, "method_not_allowed", "the web UI is read with GET");
    reply.allow = "GET, HEAD";
    return reply;
  }
  for (const std::string& segment : request.segments) {
    if (segment == ".." || segment == "." || segment.find('\\') != std::string::npos || segment.find('\0') != std::string::npos) {
      return error_reply(400, "invalid_argument", "path segments '.' and '..' are not allowed");
    }
  }
  auto serve_index = [&]() {
    if (!has_ui()) {
      ApiReply reply;
      reply.content_type = "text/html; charset=utf-8";
      reply.body = std::string(kNoUiPage);
      reply.cache_control = "no-cache";
      return reply;
    }
    return file(root_ / "index.html", false);
  };
  if (request.segments.empty()) return serve_index();
  std::filesystem::path relative;
  for (const std::string& segment : request.segments) relative /= segment;
  std::error_code ec;
  auto resolved = std::filesystem::weakly_canonical(root_ / relative, ec);
  // Symlinks are resolved first, so a link pointing outside the folder is caught here too.
  auto [root_end, unused] = std::mismatch(root_.begin(), root_.end(), resolved.begin(), resolved.end());
  if (ec || root_end != root_.end()) return error_reply(404, "not_found", "no such file");
  if (std::filesystem::is_regular_file(resolved, ec)) {
    bool hashed = request.segments.size() > 1 && request.segments.front() == "assets";
    return file(resolved, hashed);
  }
  if (relative.has_extension()) return error_reply(404, "not_found", "no such file");
  return serve_index();
}

ApiReply openapi_document() {
  ApiReply reply;
  reply.body = std::string(kOpenApiJson);
  reply.cache_control = "no-cache";
  return reply;
}

}  // namespace spanline::api
