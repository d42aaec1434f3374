// Golden bytes: these encodings are stored (Kafka state topic), so they may never change.
#include "traffic/core/coding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "traffic/core/hash.h"
#include "traffic/testing/status_matchers.h"

namespace traffic::core {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST(Coding, FixedWidthIsLittleEndian) {
  std::string s;
  PutFixed32(&s, 0x04030201u);
  PutFixed64(&s, 0x0807060504030201ull);
  EXPECT_EQ(s, Bytes({1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(DecodeFixed32(s.data()), 0x04030201u);
  EXPECT_EQ(DecodeFixed64(s.data() + 4), 0x0807060504030201ull);
  ByteReader r(s);
  uint32_t a;
  uint64_t b;
  ASSERT_TRUE(r.GetFixed32(&a));
  ASSERT_TRUE(r.GetFixed64(&b));
  EXPECT_EQ(a, 0x04030201u);
  EXPECT_EQ(b, 0x0807060504030201ull);
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.GetFixed32(&a));
}

TEST(Coding, VarintGoldenBytes) {
  struct Case {
    uint64_t value;
    std::string bytes;
  };
  const std::vector<Case> cases = {
      {0, Bytes({0x00})},
      {1, Bytes({0x01})},
      {127, Bytes({0x7F})},
      {128, Bytes({0x80, 0x01})},
      {300, Bytes({0xAC, 0x02})},
      {16383, Bytes({0xFF, 0x7F})},
      {16384, Bytes({0x80, 0x80, 0x01})},
      {UINT32_MAX, Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F})},
      {UINT64_MAX, Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01})},
  };
  for (const Case& c : cases) {
    std::string s;
    PutVarint64(&s, c.value);
    EXPECT_EQ(s, c.bytes) << c.value;
    EXPECT_EQ(VarintLength(c.value), static_cast<int>(c.bytes.size())) << c.value;
    ByteReader r(s);
    uint64_t v;
    ASSERT_TRUE(r.GetVarint64(&v)) << c.value;
    EXPECT_EQ(v, c.value);
    EXPECT_TRUE(r.empty());
    if (c.value <= UINT32_MAX) {
      std::string s32;
      PutVarint32(&s32, static_cast<uint32_t>(c.value));
      EXPECT_EQ(s32, c.bytes);
      ByteReader r32(s32);
      uint32_t v32;
      ASSERT_TRUE(r32.GetVarint32(&v32));
      EXPECT_EQ(v32, c.value);
    }
  }
}

TEST(Coding, SignedVarintIsZigzag) {
  struct Case {
    int64_t value;
    std::string bytes;
  };
  const std::vector<Case> cases = {
      {0, Bytes({0x00})},
      {-1, Bytes({0x01})},
      {1, Bytes({0x02})},
      {-2, Bytes({0x03})},
      {63, Bytes({0x7E})},
      {-64, Bytes({0x7F})},
      {64, Bytes({0x80, 0x01})},
      {std::numeric_limits<int64_t>::max(), Bytes({0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01})},
      {std::numeric_limits<int64_t>::min(), Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01})},
  };
  for (const Case& c : cases) {
    std::string s;
    PutVarintSigned64(&s, c.value);
    EXPECT_EQ(s, c.bytes) << c.value;
    ByteReader r(s);
    int64_t v;
    ASSERT_TRUE(r.GetVarintSigned64(&v)) << c.value;
    EXPECT_EQ(v, c.value);
  }
}

TEST(Coding, TruncatedOrOverlongVarintsAreRefused) {
  uint64_t v;
  uint32_t v32;
  EXPECT_FALSE(ByteReader("").GetVarint64(&v));
  EXPECT_FALSE(ByteReader(Bytes({0x80})).GetVarint64(&v));
  EXPECT_FALSE(ByteReader(Bytes({0xFF, 0xFF})).GetVarint64(&v));
  // 11 bytes, or a 10th byte that overflows 64 bits.
  EXPECT_FALSE(ByteReader(Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00})).GetVarint64(&v));
  EXPECT_FALSE(ByteReader(Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02})).GetVarint64(&v));
  // Varint32: above 32 bits, or more than 5 bytes.
  EXPECT_FALSE(ByteReader(Bytes({0x80, 0x80, 0x80, 0x80, 0x10})).GetVarint32(&v32));
  EXPECT_FALSE(ByteReader(Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x00})).GetVarint32(&v32));
  EXPECT_TRUE(ByteReader(Bytes({0x80, 0x80, 0x80, 0x80, 0x00})).GetVarint32(&v32));
  EXPECT_EQ(v32, 0u);
  EXPECT_FALSE(ByteReader(Bytes({1, 2, 3})).GetFixed32(&v32));
  EXPECT_FALSE(ByteReader(Bytes({1, 2, 3, 4, 5, 6, 7})).GetFixed64(&v));
}

TEST(Coding, AtMostBoundsTheValue) {
  std::string s;
  PutVarint64(&s, 10);
  uint64_t v;
  EXPECT_TRUE(ByteReader(s).GetVarint64AtMost(10, &v));
  EXPECT_EQ(v, 10u);
  EXPECT_FALSE(ByteReader(s).GetVarint64AtMost(9, &v));
}

TEST(Coding, LengthPrefixed) {
  std::string s;
  PutLengthPrefixed(&s, "abc");
  PutLengthPrefixed(&s, "");
  EXPECT_EQ(s, Bytes({3, 'a', 'b', 'c', 0}));
  ByteReader r(s);
  std::string_view a, b;
  ASSERT_TRUE(r.GetLengthPrefixed(&a));
  ASSERT_TRUE(r.GetLengthPrefixed(&b));
  EXPECT_EQ(a, "abc");
  EXPECT_EQ(b, "");
  EXPECT_TRUE(r.empty());
  std::string_view x;
  EXPECT_FALSE(ByteReader(Bytes({4, 'a', 'b', 'c'})).GetLengthPrefixed(&x));
  // A length near 2^64 must not wrap around the bounds check.
  EXPECT_FALSE(
      ByteReader(Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 'a'})).GetLengthPrefixed(&x));
}

TEST(Coding, BytesAndRest) {
  ByteReader r("hello");
  std::string_view v;
  ASSERT_TRUE(r.GetBytes(2, &v));
  EXPECT_EQ(v, "he");
  EXPECT_EQ(r.remaining(), 3u);
  EXPECT_EQ(r.rest(), "llo");
  EXPECT_FALSE(r.GetBytes(4, &v));
}

TEST(Coding, FrameGoldenBytes) {
  std::string f;
  BeginFrame(&f, "TRTST", 1);
  f += "ab";
  SealFrame(&f);
  // magic, version 1 (Fixed32), payload, then StableHash64 of the 11 bytes before it (Fixed64).
  ASSERT_EQ(f.size(), 5u + 4 + 2 + 8);
  EXPECT_EQ(f.substr(0, 11), Bytes({'T', 'R', 'T', 'S', 'T', 1, 0, 0, 0, 'a', 'b'}));
  EXPECT_EQ(DecodeFixed64(f.data() + 11), StableHash64(f.substr(0, 11)));
  EXPECT_EQ(FrameOverhead("TRTST"), 17u);
  std::string_view payload;
  ASSERT_OK(OpenFrame(f, "TRTST", 1, "test state", &payload));
  EXPECT_EQ(payload, "ab");
}

TEST(Coding, FrameRefusesEveryDamage) {
  std::string f;
  BeginFrame(&f, "TRTST", 3);
  f += "payload";
  SealFrame(&f);
  std::string_view payload;
  for (size_t i = 0; i < f.size(); ++i) {
    std::string bad = f;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    EXPECT_EQ(OpenFrame(bad, "TRTST", 3, "test state", &payload).code(), StatusCode::kCorrupt) << i;
  }
  for (size_t n = 0; n < f.size(); ++n) {
    EXPECT_EQ(OpenFrame(f.substr(0, n), "TRTST", 3, "test state", &payload).code(), StatusCode::kCorrupt) << n;
  }
  Status other = OpenFrame(f, "TRTST", 4, "test state", &payload);
  EXPECT_EQ(other.code(), StatusCode::kCorrupt);
  EXPECT_EQ(other.message(), "test state: unsupported version 3");
  EXPECT_EQ(OpenFrame(f, "TRXXX", 3, "test state", &payload).message(),
            "test state: bad magic or too short (24 bytes)");
}

}  // namespace
}  // namespace traffic::core
