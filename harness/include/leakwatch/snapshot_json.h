// snapshot_json.h — the JSON form of snapshots and diffs (schema 1, documented in docs/json.md).
//
//   std::string text = SnapshotToJson(snap);
//   Result<Snapshot> back = SnapshotFromJson(text, "before.json");
//   // on error: "before.json:3:17: expected a number for \"fd\""
#pragma once

#include <string>
#include <string_view>

#include "leakwatch/result.h"
#include "leakwatch/slack.h"
#include "leakwatch/snapshot.h"
#include "leakwatch/snapshot_diff.h"

namespace leakwatch {

inline constexpr int kJsonSchemaVersion = 1;

// Both writers end the text with a newline.
std::string SnapshotToJson(const Snapshot& snapshot, int indent = 2);

// `source` names the input in error messages (a file name). Errors are kParseError with
// "source:line:col: message" for syntax errors and for fields of the wrong type, missing
// required fields, unknown kinds or an unsupported schema.
Result<Snapshot> SnapshotFromJson(std::string_view text, std::string_view source);

std::string DiffToJson(const SnapshotDiff& diff, const std::vector<Growth>& growth,
                       const Slack& slack, int indent = 2);

}  // namespace leakwatch
