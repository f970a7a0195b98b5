#include "valley/core/error.h"

#include <gtest/gtest.h>

namespace valley {
namespace {

TEST(OneLine, KeepsPrintableTextAndUtf8) {
  EXPECT_EQ(one_line("data/x: label 12 of item 1 is outside 0–9 (τ ≥ 0, 😀)"),
            "data/x: label 12 of item 1 is outside 0–9 (τ ≥ 0, 😀)");
}

TEST(OneLine, TurnsControlCharactersIntoSpaces) { EXPECT_EQ(one_line("a\nb\r\tc\x1b[31m"), "a b  c [31m"); }

TEST(OneLine, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(one_line("name\xff\xfe"), "name\\xff\\xfe");
  EXPECT_EQ(one_line("\xc3"), "\\xc3");                             // truncated sequence
  EXPECT_EQ(one_line("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(one_line("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a UTF-16 surrogate
  EXPECT_EQ(one_line("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
}

}  // namespace
}  // namespace valley
