// spelling.h — "did you mean ...?" suggestions for misspelt names in user input.
//
// Config and suppressions files name keys and kinds; a typo there should be answered with the
// name the user most likely meant, not only with "unknown". NearestName picks the candidate with
// the smallest edit distance (Damerau–Levenshtein in its optimal-string-alignment form, so a
// swapped pair of letters costs 1, as in "kidn" -> "kind"), compared without regard to ASCII
// case, and suggests it only when it is close enough to be a plausible typo: at most
// max(1, length of the word / 3) edits.
//
//   std::optional<std::string> s = NearestName("kidn", {"name", "kind", "target"});  // "kind"
//   if (s) message += fmt::format("; did you mean \"{}\"?", *s);
//   NearestName("colour", {"kind", "target"});                                     // nullopt
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakwatch {

// The number of single-character insertions, deletions, substitutions and transpositions of two
// adjacent characters that turn `a` into `b` (no substring is edited twice). Case-sensitive.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The candidate nearest to `word` (ASCII case ignored), or nullopt when none is within
// max(1, word.size() / 3) edits. On a tie the earlier candidate wins, so callers list the
// likelier names first.
std::optional<std::string> NearestName(std::string_view word,
                                       const std::vector<std::string>& candidates);

}  // namespace leakwatch
