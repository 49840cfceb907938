// demo_client.h — a tiny HTTP/1.1 client for the demo test modules: GET a path from the
// demo server that `leakwatch run` started (its port is in LEAKWATCH_SERVER_PORT).
//
//   demo::Answer answer = demo::Get("/health");
//   EXPECT_EQ(answer.status, 200);
#pragma once

#include <string>

namespace demo {

struct Answer {
  int status = 0;  // 0 when there was no answer (refused, closed, or the 30 s guard)
  std::string body;
};

// One request on a fresh connection ("Connection: close", so that no idle keep-alive connection
// stays open in the server between cases).
Answer Get(const std::string& path);

}  // namespace demo
