// Capture file readers on arbitrary bytes: open (which may refuse) and read every frame.
#include <cstddef>
#include <cstdint>

#include "capture/capture_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace darkscope;
  try {
    auto source = open_capture_memory(Bytes(data, size), "fuzz");
    Frame frame;
    std::uint64_t bytes = 0;
    while (source->next(frame)) {
      // Touch every byte handed out so a span past the input shows up under ASan.
      for (const std::uint8_t b : frame.data) bytes += b;
    }
    (void)bytes;
  } catch (const CaptureOpenError&) {
    // Refusing a non-capture is the expected outcome for most inputs.
  }
  return 0;
}
