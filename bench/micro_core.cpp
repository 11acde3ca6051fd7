// Micro benchmarks of the core structures on the packet path.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "core/address_set.hpp"
#include "core/ip_address.hpp"
#include "core/prefix.hpp"
#include "core/u32_set.hpp"

namespace darkscope {
namespace {

// The same cheap generator as the synthetic captures use, so inputs are not
// dominated by the cost of producing them.
std::uint64_t next_random(std::uint64_t& s) {
  s += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = s;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::vector<IpAddress> random_v4(std::size_t n, std::uint64_t seed) {
  std::vector<IpAddress> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(IpAddress::v4(static_cast<std::uint32_t>(next_random(seed))));
  return out;
}

// Unique-source counting: state.range(0) distinct addresses, inserted repeatedly.
void BM_AddressSetInsert(benchmark::State& state) {
  const auto distinct = static_cast<std::size_t>(state.range(0));
  const auto addresses = random_v4(distinct, 1);
  std::uint64_t s = 2;
  std::vector<std::uint32_t> order(1 << 16);
  for (auto& o : order) o = static_cast<std::uint32_t>(next_random(s) % distinct);
  AddressSet set;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(set.insert(addresses[order[i++ & 0xffff]]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddressSetInsert)->Arg(1 << 10)->Arg(1 << 16)->Arg(1 << 20);

// The same with IPv4 keys in the 4-byte set the summary uses.
void BM_U32SetInsert(benchmark::State& state) {
  const auto distinct = static_cast<std::size_t>(state.range(0));
  const auto addresses = random_v4(distinct, 1);
  std::uint64_t s = 2;
  std::vector<std::uint32_t> order(1 << 16);
  for (auto& o : order) o = static_cast<std::uint32_t>(next_random(s) % distinct);
  U32Set set;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(set.insert(addresses[order[i++ & 0xffff]].v4_value()));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_U32SetInsert)->Arg(1 << 10)->Arg(1 << 16)->Arg(1 << 20);

// Darknet membership: a /16 darknet made of state.range(0) prefixes, random destinations.
void BM_PrefixSetContains(benchmark::State& state) {
  PrefixSet darknet;
  const auto n = static_cast<int>(state.range(0));
  for (int k = 0; k < n; ++k) {
    darknet.add(*Prefix::parse("198.18." + std::to_string(k * (256 / n)) + ".0/" +
                               std::to_string(16 + (n > 1 ? __builtin_ctz(static_cast<unsigned>(n)) : 0))));
  }
  const auto addresses = random_v4(1 << 16, 3);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(darknet.contains(addresses[i++ & 0xffff]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PrefixSetContains)->Arg(1)->Arg(4)->Arg(16);

}  // namespace
}  // namespace darkscope
