// Byte encoding helpers shared by every on-disk format of the engine.
//
// All fixed-width integers are little-endian; varints are LEB128 (7 bits per byte, low group
// first). The Get* functions consume from the front of `*in` and return false (leaving `*in`
// unspecified) when the input is too short or malformed; callers turn that into a
// corruption Status.
//
//   std::string buf;
//   PutVarint64(&buf, 300);
//   std::string_view in = buf;
//   uint64_t v;
//   if (!GetVarint64(&in, &v)) return absl::DataLossError("bad varint");
#ifndef DSIM_ENGINE_CODING_H_
#define DSIM_ENGINE_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace dsim::engine {

inline void PutFixed32(std::string* out, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(buf, 4);
}

inline void PutFixed64(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(buf, 8);
}

inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

void PutVarint64(std::string* out, uint64_t v);

// Appends varint(size) followed by the bytes.
void PutLengthPrefixed(std::string* out, std::string_view bytes);

// Number of bytes PutVarint64(v) appends (1..10).
int VarintLength(uint64_t v);

[[nodiscard]] bool GetFixed32(std::string_view* in, uint32_t* v);
[[nodiscard]] bool GetFixed64(std::string_view* in, uint64_t* v);
[[nodiscard]] bool GetVarint64(std::string_view* in, uint64_t* v);
[[nodiscard]] bool GetByte(std::string_view* in, uint8_t* v);
// On success `*bytes` views into the original buffer.
[[nodiscard]] bool GetLengthPrefixed(std::string_view* in, std::string_view* bytes);

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_CODING_H_
