// json_locator.h — where in a JSON text a value lives (private to the harness).
//
// nlohmann::json keeps no source positions, but an error about a field of the wrong type must
// still name file:line:col. Given text that has already parsed, this walks it once more to the
// value at a JSON pointer path.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace leakwatch::internal {

struct TextPosition {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in bytes
};

TextPosition PositionOfOffset(std::string_view text, std::size_t offset);

// Offset of the value at `path` (object keys and array indices as strings), or of the closest
// enclosing value that exists.
std::size_t OffsetOfPath(std::string_view text, const std::vector<std::string>& path);

}  // namespace leakwatch::internal
