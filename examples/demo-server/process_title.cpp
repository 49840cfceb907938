// process_title.cpp — the process title, in argv's memory (see process_title.h).
#include "process_title.h"

#include <algorithm>
#include <cstring>

namespace demo_server {

ProcessTitle::ProcessTitle(int argc, char** argv) {
  if (argc < 1 || argv == nullptr || argv[0] == nullptr) return;
  char* end = argv[0] + std::strlen(argv[0]) + 1;
  // Arguments that do not follow on directly are not ours to overwrite (a caller of main that
  // built its own argv); stop before them.
  for (int i = 1; i < argc && argv[i] == end; ++i) end = argv[i] + std::strlen(argv[i]) + 1;
  area_ = argv[0];
  size_ = static_cast<std::size_t>(end - area_);
}

void ProcessTitle::Set(std::string_view title) {
  if (size_ == 0) return;
  std::size_t length = std::min(title.size(), size_ - 1);  // the last byte stays NUL
  std::memcpy(area_, title.data(), length);
  std::memset(area_ + length, 0, size_ - length);
}

}  // namespace demo_server
