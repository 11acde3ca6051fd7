// A minimal PNG reader for the browser test: 8-bit greyscale, RGB or RGBA, not
// interlaced (what Chromium's screenshots are), inflated with zlib.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace darkscope::report_test {

struct PngImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  ///< width * height * 3

  [[nodiscard]] const std::uint8_t* pixel(int x, int y) const {
    return &rgb[(static_cast<std::size_t>(y) * width + x) * 3];
  }
};

inline std::uint32_t png_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

inline PngImage read_png(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(in)),
                                       std::istreambuf_iterator<char>());
  static constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  if (file.size() < 8 || std::memcmp(file.data(), kSignature, 8) != 0) {
    throw std::runtime_error(path + ": not a PNG");
  }
  PngImage img;
  int colour_type = 0;
  std::vector<std::uint8_t> idat;
  std::size_t pos = 8;
  while (pos + 12 <= file.size()) {
    const std::uint32_t len = png_be32(&file[pos]);
    if (pos + 12 + len > file.size()) throw std::runtime_error(path + ": truncated chunk");
    const std::string type(reinterpret_cast<const char*>(&file[pos + 4]), 4);
    const std::uint8_t* data = &file[pos + 8];
    if (type == "IHDR") {
      img.width = static_cast<int>(png_be32(data));
      img.height = static_cast<int>(png_be32(data + 4));
      if (data[8] != 8 || data[12] != 0) throw std::runtime_error(path + ": unsupported PNG form");
      colour_type = data[9];
    } else if (type == "IDAT") {
      idat.insert(idat.end(), data, data + len);
    } else if (type == "IEND") {
      break;
    }
    pos += 12 + len;
  }
  const int channels = colour_type == 6 ? 4 : colour_type == 2 ? 3 : colour_type == 0 ? 1 : 0;
  if (channels == 0 || img.width <= 0 || img.height <= 0) {
    throw std::runtime_error(path + ": unsupported colour type");
  }
  const std::size_t stride = static_cast<std::size_t>(img.width) * channels;
  std::vector<std::uint8_t> raw((stride + 1) * img.height);
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, idat.data(), idat.size()) != Z_OK || raw_len != raw.size()) {
    throw std::runtime_error(path + ": bad image data");
  }
  std::vector<std::uint8_t> prev(stride, 0);
  std::vector<std::uint8_t> cur(stride);
  img.rgb.resize(static_cast<std::size_t>(img.width) * img.height * 3);
  for (int y = 0; y < img.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* line = &raw[y * (stride + 1) + 1];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= static_cast<std::size_t>(channels) ? cur[i - channels] : 0;
      const int b = prev[i];
      const int c = i >= static_cast<std::size_t>(channels) ? prev[i - channels] : 0;
      int pred = 0;
      switch (filter) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) / 2; break;
        case 4: {
          const int p = a + b - c;
          const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
          break;
        }
        default: throw std::runtime_error(path + ": bad filter");
      }
      cur[i] = static_cast<std::uint8_t>(line[i] + pred);
    }
    for (int x = 0; x < img.width; ++x) {
      std::uint8_t* out = &img.rgb[(static_cast<std::size_t>(y) * img.width + x) * 3];
      const std::uint8_t* px = &cur[static_cast<std::size_t>(x) * channels];
      for (int k = 0; k < 3; ++k) out[k] = channels == 1 ? px[0] : px[k];
    }
    prev.swap(cur);
  }
  return img;
}

}  // namespace darkscope::report_test
