// Timestamps: nanoseconds since the Unix epoch, UTC, and their text forms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace darkscope {

inline constexpr std::int64_t kNsPerSecond = 1'000'000'000;
inline constexpr std::int64_t kNsPerDay = 86'400 * kNsPerSecond;

/// "2020-02-11T03:04:05Z"; fractional seconds only when the time has them ("...05.123456Z").
[[nodiscard]] std::string format_iso8601(std::int64_t ns);
/// "2020-02-11".
[[nodiscard]] std::string format_date(std::int64_t ns);
/// Parses "YYYY-MM-DD" (00:00 UTC), "YYYY-MM-DDTHH:MM[:SS[.frac]][Z]" or the same
/// with a space for T; a bare integer is Unix seconds. nullopt on anything else.
[[nodiscard]] std::optional<std::int64_t> parse_time(std::string_view text);
/// Days since 1970-01-01 for a civil date (proleptic Gregorian).
[[nodiscard]] std::int64_t days_from_civil(int year, unsigned month, unsigned day) noexcept;
/// Rounds down to a multiple of bin_ns (works for negative times too).
[[nodiscard]] constexpr std::int64_t floor_to(std::int64_t ns, std::int64_t bin_ns) noexcept {
  const std::int64_t q = ns / bin_ns;
  return (ns % bin_ns < 0 ? q - 1 : q) * bin_ns;
}

}  // namespace darkscope
