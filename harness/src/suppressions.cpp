// GCC 12 with ASan and optimisation warns inside libstdc++'s regex compiler (a std::function
// moved out of a state "may be used uninitialized"): a false positive in the library's code, not
// ours. The pragma must come before <regex> is included, since the warning is placed there.
#if defined(__SANITIZE_ADDRESS__) && defined(__OPTIMIZE__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "leakwatch/suppressions.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <map>

#include "leakwatch/spelling.h"
#include "leakwatch/unique_fd.h"

namespace leakwatch {
namespace {

// What a suppression entry can match; decided by its `kind`.
enum class Target : unsigned char { kFd, kThread, kChild };

// A parsed `kind`: "fd" has no FD kind (any FD matches).
struct KindSpec {
  Target target = Target::kFd;
  std::optional<FdKind> fd_kind;
};

std::optional<KindSpec> ParseKind(std::string_view kind) {
  if (kind == "fd") return KindSpec{Target::kFd, std::nullopt};
  if (kind == kThreadKey) return KindSpec{Target::kThread, std::nullopt};
  if (kind == kChildKey) return KindSpec{Target::kChild, std::nullopt};
  if (std::optional<FdKind> fd_kind = ParseFdKind(kind)) return KindSpec{Target::kFd, fd_kind};
  return std::nullopt;
}

// In the order the documentation lists them, which is also the order of "did you mean" ties.
const std::vector<std::string>& KindNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v = {"fd"};
    for (FdKind kind : AllFdKinds()) v.emplace_back(FdKindName(kind));
    v.emplace_back(kThreadKey);
    v.emplace_back(kChildKey);
    return v;
  }();
  return names;
}

// `stack` is listed so that "stak" is answered with "did you mean stack?" and then with the
// "not supported yet" error, rather than with a list that pretends the key does not exist.
const std::vector<std::string>& EntryKeys() {
  static const std::vector<std::string> keys = {"name",    "kind", "target", "thread",
                                                "command", "test", "stack"};
  return keys;
}
constexpr std::size_t kSupportedKeyCount = 6;  // EntryKeys() without "stack"

std::string Join(const std::vector<std::string>& names, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count && i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates,
                       std::string_view otherwise) {
  if (std::optional<std::string> near = NearestName(word, candidates)) {
    return fmt::format("; did you mean \"{}\"?", *near);
  }
  return std::string(otherwise);
}

std::string_view TypeName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return "a string";
    default:
      return "nothing";
  }
}

// Raised while parsing only; Parse turns it into an Error, so nothing throws out of this file.
struct ParseFailure {
  YAML::Mark mark;
  std::string message;
};

[[noreturn]] void Fail(const YAML::Mark& mark, std::string message) {
  throw ParseFailure{mark, std::move(message)};
}

// A key of an entry, its value as text, and where both stand.
struct Field {
  std::string key;
  std::string value;
  YAML::Mark key_mark;
  YAML::Mark value_mark;
};

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  std::vector<Suppression> Document() {
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(std::string(text_));
    } catch (const YAML::ParserException& e) {
      Fail(e.mark, "invalid YAML: " + e.msg);
    }
    // An empty file (or one with comments only) has no document: no suppressions.
    if (documents.empty()) return {};
    if (documents.size() > 1) {
      Fail(documents[1].Mark(), "expected one YAML document, found a second one");
    }
    const YAML::Node& root = documents[0];
    if (root.IsNull()) return {};
    if (!root.IsMap()) {
      Fail(root.Mark(), fmt::format("expected a map with a \"suppressions\" list at the top level, "
                                    "found {}",
                                    TypeName(root)));
    }
    static const std::vector<std::string> kTopKeys = {"suppressions"};
    std::optional<YAML::Node> list;
    for (const auto& item : root) {
      const std::string key = KeyText(item.first);
      if (key != "suppressions") {
        Fail(item.first.Mark(),
             fmt::format("unknown key \"{}\"{}", key,
                         DidYouMean(key, kTopKeys, " (expected \"suppressions\")")));
      }
      if (list) Fail(item.first.Mark(), "duplicate key \"suppressions\"");
      list = item.second;
    }
    if (!list) Fail(root.Mark(), "missing \"suppressions\" (the list of entries)");
    // `suppressions:` with nothing after it reads as an empty list, as `suppressions: []` does.
    if (list->IsNull()) return {};
    if (!list->IsSequence()) {
      Fail(list->Mark(),
           fmt::format("\"suppressions\" must be a list of entries, not {}", TypeName(*list)));
    }
    std::vector<Suppression> entries;
    std::map<std::string, int> lines_of_names;  // explicit names only, to refuse duplicates
    for (const YAML::Node& node : *list) {
      entries.push_back(Entry(node, lines_of_names));
    }
    return entries;
  }

  Error ToError(const ParseFailure& failure) const {
    if (failure.mark.is_null()) {
      return Error(ErrorCode::kParseError, fmt::format("{}: {}", source_, failure.message));
    }
    return Error(ErrorCode::kParseError, fmt::format("{}:{}:{}: {}", source_, failure.mark.line + 1,
                                                     failure.mark.column + 1, failure.message));
  }

 private:
  static std::string KeyText(const YAML::Node& key) {
    if (!key.IsScalar()) {
      Fail(key.Mark(), fmt::format("a key must be a string, not {}", TypeName(key)));
    }
    return key.Scalar();
  }

  Suppression Entry(const YAML::Node& node, std::map<std::string, int>& lines_of_names) const {
    if (node.IsNull()) {
      Fail(WhereNullEntry(node.Mark()), "empty entry; an entry is a map with at least \"kind\"");
    }
    if (!node.IsMap()) {
      Fail(node.Mark(),
           fmt::format("an entry must be a map with at least \"kind\", not {}", TypeName(node)));
    }
    std::vector<Field> fields;  // in file order, so that errors come in file order too
    for (const auto& item : node) {
      Field field;
      field.key = KeyText(item.first);
      field.key_mark = item.first.Mark();
      if (field.key == "stack") {
        Fail(field.key_mark,
             "\"stack\" is not supported yet: leaks are not matched against stacks, so this entry "
             "would suppress more than it says; remove the key");
      }
      if (std::find(EntryKeys().begin(), EntryKeys().end(), field.key) == EntryKeys().end()) {
        Fail(field.key_mark,
             fmt::format("unknown key \"{}\"{}", field.key,
                         DidYouMean(field.key, EntryKeys(),
                                    fmt::format(" (valid keys: {})",
                                                Join(EntryKeys(), kSupportedKeyCount)))));
      }
      for (const Field& seen : fields) {
        if (seen.key == field.key) {
          Fail(field.key_mark, fmt::format("duplicate key \"{}\" (first at line {})", field.key,
                                           seen.key_mark.line + 1));
        }
      }
      const YAML::Node& value = item.second;
      // A null value's mark is that of the token after it, which may be lines away.
      if (value.IsNull()) Fail(field.key_mark, fmt::format("\"{}\" has no value", field.key));
      if (!value.IsScalar()) {
        Fail(value.Mark(),
             fmt::format("\"{}\" must be a string, not {}", field.key, TypeName(value)));
      }
      field.value = value.Scalar();
      field.value_mark = value.Mark();
      fields.push_back(std::move(field));
    }

    auto find = [&fields](std::string_view key) -> const Field* {
      for (const Field& f : fields) {
        if (f.key == key) return &f;
      }
      return nullptr;
    };
    const Field* kind = find("kind");
    if (kind == nullptr) Fail(node.Mark(), "entry has no \"kind\"");
    std::optional<KindSpec> spec = ParseKind(kind->value);
    if (!spec) {
      Fail(kind->value_mark,
           fmt::format("unknown kind \"{}\"{}", kind->value,
                       DidYouMean(kind->value, KindNames(),
                                  fmt::format(" (kinds: {})", Join(KindNames(), SIZE_MAX)))));
    }

    Suppression s;
    s.kind = kind->value;
    s.pattern_text = s.kind;
    std::string_view pattern_key;  // the one pattern key that fits the kind
    std::string_view hint;         // what that key matches, for messages
    switch (spec->target) {
      case Target::kFd:
        pattern_key = "target";
        hint = "a regex on the FD's link text";
        break;
      case Target::kThread:
        pattern_key = "thread";
        hint = "a regex on the thread name";
        break;
      case Target::kChild:
        pattern_key = "command";
        hint = "a regex on the child's command line";
        break;
    }
    for (const Field& f : fields) {
      if (f.key == "name" || f.key == "kind") continue;
      if (f.key != "test" && f.key != pattern_key) {
        Fail(f.key_mark, fmt::format("\"{}\" does not apply to kind \"{}\"; use \"{}\" ({})", f.key,
                                     s.kind, pattern_key, hint));
      }
      std::regex re = Compile(f);
      s.pattern_text += fmt::format(" {}=\"{}\"", f.key, f.value);
      if (f.key == "test") {
        s.test = std::move(re);
      } else if (f.key == "target") {
        s.target = std::move(re);
      } else if (f.key == "thread") {
        s.thread = std::move(re);
      } else {
        s.command = std::move(re);
      }
    }

    if (const Field* name = find("name")) {
      if (name->value.empty()) Fail(name->value_mark, "\"name\" must not be empty");
      // Used() reports by name; two entries of one name could not be told apart there.
      auto [it, inserted] = lines_of_names.emplace(name->value, name->value_mark.line + 1);
      if (!inserted) {
        Fail(name->value_mark,
             fmt::format("duplicate name \"{}\" (first at line {})", name->value, it->second));
      }
      s.name = name->value;
    } else {
      s.name = fmt::format("{}:{}", source_, node.Mark().line + 1);
    }
    return s;
  }

  static std::regex Compile(const Field& f) {
    try {
      return std::regex(f.value, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      Fail(f.value_mark,
           fmt::format("invalid regex \"{}\" in \"{}\": {}", f.value, f.key, e.what()));
    }
  }

  // yaml-cpp gives an empty entry ("-" and nothing after it) the mark of the next token, which
  // may be the next entry or the end of the file (where its line and column disagree with its
  // offset). Walk back from the offset over blanks and comments to the "-", so the error points
  // at the entry itself; keep yaml-cpp's mark when that does not work out.
  YAML::Mark WhereNullEntry(const YAML::Mark& mark) const {
    if (mark.pos < 0) return mark;
    std::size_t end = std::min(text_.size(), static_cast<std::size_t>(mark.pos));
    while (true) {
      const std::size_t newline = end == 0 ? std::string_view::npos : text_.rfind('\n', end - 1);
      const std::size_t start = newline == std::string_view::npos ? 0 : newline + 1;
      const std::string_view content = WithoutComment(text_.substr(start, end - start));
      if (!content.empty())
        return content.back() == '-' ? MarkAt(start + content.size() - 1) : mark;
      if (start == 0) return mark;
      end = start - 1;  // the end of the line before
    }
  }

  // A line without its comment (from a "#" at its start or after a blank) and trailing blanks.
  static std::string_view WithoutComment(std::string_view line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        line = line.substr(0, i);
        break;
      }
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    return line;
  }

  YAML::Mark MarkAt(std::size_t offset) const {
    YAML::Mark m;
    m.pos = static_cast<int>(offset);
    const std::string_view before = text_.substr(0, offset);
    m.line = static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t newline = before.rfind('\n');
    m.column = static_cast<int>(newline == std::string_view::npos ? offset : offset - newline - 1);
    return m;
  }

  std::string_view text_;
  std::string_view source_;
};

// Never throws: a regex that blows up at match time (libstdc++ may, on pathological input)
// counts as no match, so a suppressions file cannot abort a test run.
bool Searches(const std::regex& re, std::string_view text) {
  try {
    return std::regex_search(text.begin(), text.end(), re);
  } catch (const std::regex_error&) {
    return false;
  }
}

bool Matches(const std::optional<std::regex>& re, std::string_view text) {
  return !re || Searches(*re, text);
}

// Apply and Filter: `used`, when given, is parallel to `entries` and counts each claim.
void RemoveMatches(const std::vector<Suppression>& entries, std::string_view test_name,
                   SnapshotDiff& diff, std::vector<std::int64_t>* used) {
  if (entries.empty()) return;
  // Decided once per call: which entries are active in this test, and what each one matches.
  std::vector<bool> active(entries.size());
  std::vector<KindSpec> specs(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Suppression& e = entries[i];
    active[i] = !e.test || (!test_name.empty() && Searches(*e.test, test_name));
    // Parse accepted the kind, so this always has a value.
    specs[i] = ParseKind(e.kind).value_or(KindSpec{});
  }

  // The first active entry (in file order) that matches claims a resource.
  auto claim = [&](Target target, auto&& matches) -> bool {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (!active[i] || specs[i].target != target || !matches(entries[i], specs[i])) continue;
      if (used != nullptr) ++(*used)[i];
      return true;
    }
    return false;
  };

  std::erase_if(diff.fds_added, [&](const FdInfo& fd) {
    bool claimed = claim(Target::kFd, [&fd](const Suppression& e, const KindSpec& spec) {
      return (!spec.fd_kind || *spec.fd_kind == fd.kind) && Matches(e.target, fd.target);
    });
    if (claimed) --diff.delta.fds[fd.kind];
    return claimed;
  });
  std::erase_if(diff.threads_added, [&](const ThreadInfo& thread) {
    bool claimed = claim(Target::kThread, [&thread](const Suppression& e, const KindSpec&) {
      return Matches(e.thread, thread.name);
    });
    if (claimed) --diff.delta.threads;
    return claimed;
  });
  std::erase_if(diff.children_added, [&](const ProcessInfo& child) {
    bool claimed = claim(Target::kChild, [&child](const Suppression& e, const KindSpec&) {
      return Matches(e.command, child.cmd);
    });
    if (claimed) --diff.delta.children;
    return claimed;
  });
}

// Each process of the tree in turn; an appeared process is one added child.
void RemoveTreeMatches(const std::vector<Suppression>& entries, std::string_view test_name,
                       TreeDiff& diff, std::vector<std::int64_t>* used) {
  if (entries.empty()) return;
  std::erase_if(diff.members, [&](MemberDiff& member) {
    if (member.change != MemberChange::kAppeared) {
      RemoveMatches(entries, test_name, member.diff, used);
      return false;
    }
    SnapshotDiff as_child;
    as_child.children_added.push_back(member.process);
    as_child.delta.children = 1;
    RemoveMatches(entries, test_name, as_child, used);
    return as_child.children_added.empty();
  });
  diff.Recount();
}

}  // namespace

Result<Suppressions> Suppressions::Load(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return ErrnoError(errno, "cannot read " + path);
  std::string text;
  char buffer[8192];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "cannot read " + path);
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return Parse(text, path);
}

Result<Suppressions> Suppressions::Parse(std::string_view yaml_text, std::string_view source) {
  Parser parser(yaml_text, source);
  Suppressions s;
  try {
    s.entries_ = parser.Document();
  } catch (const ParseFailure& failure) {
    return parser.ToError(failure);
  } catch (const YAML::Exception& e) {
    // Should not happen (every node is type-checked before use), but must not escape.
    return parser.ToError(ParseFailure{e.mark, e.msg});
  }
  s.used_.assign(s.entries_.size(), 0);
  return s;
}

void Suppressions::Apply(std::string_view test_name, SnapshotDiff& diff) {
  RemoveMatches(entries_, test_name, diff, &used_);
}

void Suppressions::Filter(std::string_view test_name, SnapshotDiff& diff) const {
  RemoveMatches(entries_, test_name, diff, nullptr);
}

void Suppressions::Apply(std::string_view test_name, TreeDiff& diff) {
  RemoveTreeMatches(entries_, test_name, diff, &used_);
}

void Suppressions::Filter(std::string_view test_name, TreeDiff& diff) const {
  RemoveTreeMatches(entries_, test_name, diff, nullptr);
}

std::vector<std::pair<std::string, std::int64_t>> Suppressions::Used() const {
  std::vector<std::pair<std::string, std::int64_t>> used;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (used_[i] > 0) used.emplace_back(entries_[i].name, used_[i]);
  }
  return used;
}

}  // namespace leakwatch
