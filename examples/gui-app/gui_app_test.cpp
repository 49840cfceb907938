// gui_app_test.cpp — a GoogleTest module that drives gui-app through its hook API, run by
// `leakwatch run` with `server.display: xvfb` (leakwatch.yaml beside it). The server's port
// comes in LEAKWATCH_SERVER_PORT; the display and session bus in DISPLAY and
// DBUS_SESSION_BUS_ADDRESS, the same as the server's.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "demo_client.h"

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "(unset)" : value;
}

TEST(GuiApp, UiLoopIsAlive) {
  demo::Answer health = demo::Get("/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
}

TEST(GuiApp, SharesOurDisplayAndHasNoSessionBus) {
  demo::Answer who = demo::Get("/whoami");
  EXPECT_NE(Env("DISPLAY"), "(unset)");
  EXPECT_NE(who.body.find("display " + Env("DISPLAY") + "\n"), std::string::npos) << who.body;
  EXPECT_NE(who.body.find("session-bus disabled:\n"), std::string::npos) << who.body;
  EXPECT_EQ(Env("DBUS_SESSION_BUS_ADDRESS"), "disabled:");
}

// GUI_APP_PROJECT names the project `server.after_ready` loads into every fresh instance.
TEST(GuiApp, HasTheProjectLoadedAfterReady) {
  const char* expected = std::getenv("GUI_APP_PROJECT");
  if (expected == nullptr) GTEST_SKIP() << "GUI_APP_PROJECT is not set";
  EXPECT_EQ(demo::Get("/project").body, std::string(expected) + "\n");
}

// Passes by its own assertions; `leakwatch run` finds the X connection the handler left open.
TEST(GuiApp, LeaksAnXConnection) {
  demo::Answer leak = demo::Get("/leak");
  EXPECT_EQ(leak.status, 200);
  EXPECT_EQ(leak.body.rfind("leaked an X connection in pid ", 0), 0u) << leak.body;
  std::printf("%s", leak.body.c_str());
}

TEST(GuiApp, CountsClicks) {
  const std::string first = demo::Get("/click").body;
  const std::string second = demo::Get("/click").body;
  ASSERT_EQ(first.rfind("clicks ", 0), 0u) << first;
  EXPECT_EQ(std::stoi(second.substr(7)), std::stoi(first.substr(7)) + 1);
}

TEST(GuiApp, OpensAndClosesADialog) {
  demo::Answer dialog = demo::Get("/open-dialog");
  EXPECT_EQ(dialog.status, 200);
  EXPECT_EQ(dialog.body,
            "dialog opened and closed; session bus: " + Env("DBUS_SESSION_BUS_ADDRESS") + "\n");
}

// Blocks the UI loop for good: /health says so (the next module's pre-flight will too).
TEST(GuiApp, HangsTheUiLoop) {
  EXPECT_EQ(demo::Get("/hang-ui").body, "the UI loop is hung\n");
  demo::Answer health = demo::Get("/health");
  EXPECT_NE(health.body.find(R"("status":"hung")"), std::string::npos) << health.body;
}

}  // namespace
