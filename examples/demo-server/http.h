// http.h — just enough HTTP/1.1 for demo-server: parse one request off a byte buffer, format
// one response.
//
//   ParsedRequest parsed = ParseRequest(buffer);
//   if (parsed.outcome == ParseOutcome::kIncomplete) return;      // read more first
//   if (parsed.outcome == ParseOutcome::kError) Reply(parsed.error_status), close;
//   buffer.erase(0, parsed.consumed);                              // the next pipelined request
//   out += FormatResponse({200, "application/json", R"({"status":"ok"})"}, keep_alive);
//
// Limits: the request line and headers together at most kMaxHeaderBytes (431 beyond), a body at
// most kMaxBodyBytes (413 beyond; bodies are read and ignored). Transfer-Encoding is refused
// (501): nothing this server serves takes a body. Lines may end in CRLF or a bare LF.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace demo_server {

inline constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
inline constexpr std::size_t kMaxBodyBytes = 16 * 1024;

struct Request {
  std::string method;      // as sent: "GET"
  std::string target;      // as sent: "/leak/pidfd?x=1"
  std::string path;        // the target without its query: "/leak/pidfd"
  bool keep_alive = true;  // from the version and the Connection header
};

enum class ParseOutcome { kIncomplete, kComplete, kError };

struct ParsedRequest {
  ParseOutcome outcome = ParseOutcome::kIncomplete;
  Request request;           // kComplete only
  std::size_t consumed = 0;  // kComplete only: bytes of this request, body included
  int error_status = 0;      // kError only: 400, 413, 431, 501 or 505
  std::string error_detail;  // kError only: for the response body and the log
};

ParsedRequest ParseRequest(std::string_view buffer);

struct Response {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::vector<std::pair<std::string, std::string>> extra_headers;  // e.g. {"Allow", "GET"}
};

// The whole response: status line, Content-Type, Content-Length, Connection, extra headers, body.
std::string FormatResponse(const Response& response, bool keep_alive);

// "OK", "Not Found", ...; "Unknown" for codes this server never sends.
std::string_view ReasonPhrase(int status);

}  // namespace demo_server
