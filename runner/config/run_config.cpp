// run_config.cpp — small helpers of the config model.
#include "run_config.h"

namespace leakwatch::run {

std::string ConfigLocation::ToString() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace leakwatch::run
