#include "enrich/source_table.hpp"

#include "enrich/enricher.hpp"
#include "enrich/os_guess.hpp"

namespace darkscope {

void SourceTable::mark(std::span<PacketRecord> records) {
  for (const PacketRecord& r : records) {
    if (r.observed && r.source_known() && r.src.is_v4()) v4_.prefetch(r.src.v4_value());
  }
  std::span<const SourceAnswer> answers;
  if (enricher_ != nullptr) answers = enricher_->answers();
  for (PacketRecord& r : records) {
    if (!r.observed || !r.source_known()) continue;
    std::uint32_t answer = 0;
    if (r.src.is_v4()) {
      const auto [value, fresh] = v4_.insert(r.src.v4_value());
      if (fresh && enricher_ != nullptr) {
        *value = enricher_->answer(r.src);
        answers = enricher_->answers();
      }
      r.new_source = fresh;
      answer = *value;
    } else {
      std::uint32_t& value = v6_[r.src];
      r.new_source = value == 0;
      if (r.new_source) {
        value = (enricher_ != nullptr ? enricher_->answer(r.src) : 0) + 1;
        if (enricher_ != nullptr) answers = enricher_->answers();
      }
      answer = value - 1;
    }
    if (enricher_ != nullptr) {
      // What Enricher::enrich() fills, from the source's own entry.
      r.os_guess = guess_os(r);
      answers[answer].fill(r);
    }
  }
}

}  // namespace darkscope
