// http.cpp — the request parser and response formatter of demo-server (see http.h).
#include "http.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace demo_server {
namespace {

ParsedRequest Error(int status, std::string detail) {
  ParsedRequest parsed;
  parsed.outcome = ParseOutcome::kError;
  parsed.error_status = status;
  parsed.error_detail = std::move(detail);
  return parsed;
}

// RFC 9110 "tchar": the characters of methods and header names.
bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsTokenChar);
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Where the header block ends (the byte after its empty line), or npos while it is incomplete.
std::size_t EndOfHeaders(std::string_view buffer) {
  for (std::size_t newline = buffer.find('\n'); newline != std::string_view::npos;
       newline = buffer.find('\n', newline + 1)) {
    std::size_t next = newline + 1;
    if (next < buffer.size() && buffer[next] == '\n') return next + 1;
    if (next + 1 < buffer.size() && buffer[next] == '\r' && buffer[next + 1] == '\n') {
      return next + 2;
    }
  }
  return std::string_view::npos;
}

// Splits the header block into lines without their CRLF / LF; the last (empty) line is dropped.
std::vector<std::string_view> Lines(std::string_view block) {
  std::vector<std::string_view> lines;
  while (!block.empty()) {
    std::size_t newline = block.find('\n');
    std::string_view line = block.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    block.remove_prefix(newline == std::string_view::npos ? block.size() : newline + 1);
  }
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    if (EqualsIgnoringCase(Trim(list.substr(0, comma)), token)) return true;
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  }
  return false;
}

std::optional<std::size_t> ParseContentLength(std::string_view text) {
  std::size_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

ParsedRequest ParseRequest(std::string_view buffer) {
  std::size_t header_end = EndOfHeaders(buffer);
  if (header_end == std::string_view::npos) {
    if (buffer.size() > kMaxHeaderBytes) {
      return Error(431, fmt::format("request headers exceed {} bytes", kMaxHeaderBytes));
    }
    return {};
  }
  if (header_end > kMaxHeaderBytes) {
    return Error(431, fmt::format("request headers exceed {} bytes", kMaxHeaderBytes));
  }
  std::vector<std::string_view> lines = Lines(buffer.substr(0, header_end));
  // RFC 9112 2.2: a server SHOULD ignore empty lines received before the request line.
  while (!lines.empty() && lines.front().empty()) lines.erase(lines.begin());
  if (lines.empty()) return Error(400, "empty request");

  ParsedRequest parsed;
  Request& request = parsed.request;
  std::string_view request_line = lines.front();
  std::size_t first_space = request_line.find(' ');
  std::size_t last_space = request_line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) {
    return Error(400, "malformed request line");
  }
  std::string_view method = request_line.substr(0, first_space);
  std::string_view target = request_line.substr(first_space + 1, last_space - first_space - 1);
  std::string_view version = request_line.substr(last_space + 1);
  if (!IsToken(method)) return Error(400, "malformed method");
  if (target.empty() || target.front() != '/' ||
      std::any_of(target.begin(), target.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; })) {
    return Error(400, "malformed request target");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !std::isdigit(version[5]) ||
      version[6] != '.' || !std::isdigit(version[7])) {
    return Error(400, "malformed HTTP version");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return Error(505, fmt::format("{} is not supported (HTTP/1.1 and HTTP/1.0 are)", version));
  }
  request.method = method;
  request.target = target;
  request.path = target.substr(0, target.find('?'));
  // HTTP/1.1 keeps a connection open unless told otherwise; HTTP/1.0 closes it unless told.
  bool http10 = version == "HTTP/1.0";
  request.keep_alive = !http10;

  std::optional<std::size_t> content_length;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    std::size_t colon = line.find(':');
    // No space before the colon (RFC 9112 5.1) and no obsolete line folding.
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return Error(400, "malformed header line");
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoringCase(name, "Connection")) {
      if (HasToken(value, "close")) request.keep_alive = false;
      if (http10 && HasToken(value, "keep-alive")) request.keep_alive = true;
    } else if (EqualsIgnoringCase(name, "Content-Length")) {
      std::optional<std::size_t> length = ParseContentLength(value);
      if (!length || (content_length && *content_length != *length)) {
        return Error(400, "malformed Content-Length");
      }
      content_length = length;
    } else if (EqualsIgnoringCase(name, "Transfer-Encoding")) {
      return Error(501, "Transfer-Encoding is not supported");
    }
  }
  std::size_t body = content_length.value_or(0);
  if (body > kMaxBodyBytes) {
    return Error(413, fmt::format("request body exceeds {} bytes", kMaxBodyBytes));
  }
  if (buffer.size() < header_end + body) return {};  // the body is still on its way
  parsed.outcome = ParseOutcome::kComplete;
  parsed.consumed = header_end + body;
  return parsed;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string FormatResponse(const Response& response, bool keep_alive) {
  std::string out =
      fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n",
                  response.status, ReasonPhrase(response.status), response.content_type,
                  response.body.size(), keep_alive ? "keep-alive" : "close");
  for (const auto& [name, value] : response.extra_headers) {
    out += fmt::format("{}: {}\r\n", name, value);
  }
  out += "\r\n";
  out += response.body;
  return out;
}

}  // namespace demo_server
