#include "traffic/core/json_writer.h"

#include <gtest/gtest.h>

namespace traffic::core {
namespace {

std::string Quoted(std::string_view s) {
  JsonWriter j;
  j.String(s);
  return j.str();
}

// Regression (issue 8 #18): a file name that is not valid UTF-8 made --json print invalid JSON.
// Every invalid sequence becomes U+FFFD; valid text, including multi-byte characters, is kept.
TEST(JsonWriter, StringsAreAlwaysValidUtf8) {
  EXPECT_EQ(Quoted("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x95"), "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x95\"");
  EXPECT_EQ(Quoted("bad\xFF.csv"), "\"bad\xEF\xBF\xBD.csv\"");
  EXPECT_EQ(Quoted("\xC3"), "\"\xEF\xBF\xBD\"");                                  // truncated sequence at the end
  EXPECT_EQ(Quoted("\xC3("), "\"\xEF\xBF\xBD(\"");                                // bad continuation byte
  EXPECT_EQ(Quoted("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // overlong '/'
  EXPECT_EQ(Quoted("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a UTF-16 surrogate
  EXPECT_EQ(Quoted("\xF4\x90\x80\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // > U+10FFFF
  EXPECT_EQ(Quoted(std::string_view("a\0b\"\\\x7F", 6)), "\"a\\u0000b\\\"\\\\\x7F\"");
}

}  // namespace
}  // namespace traffic::core
