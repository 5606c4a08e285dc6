#include "engine/merging_iterator.h"

#include <utility>

#include "engine/check.h"

namespace dsim::engine {

MergingIterator::MergingIterator(std::vector<std::unique_ptr<PartitionIterator>> children)
    : children_(std::move(children)) {
  for (const auto& c : children_) DSIM_CHECK(c != nullptr);
}

void MergingIterator::SeekToFirst() {
  for (auto& c : children_) c->SeekToFirst();
  FindCurrent();
}

void MergingIterator::Seek(uint64_t token) {
  for (auto& c : children_) c->Seek(token);
  FindCurrent();
}

void MergingIterator::Next() {
  DSIM_CHECK(valid_);
  for (size_t i : at_current_) children_[i]->Next();
  FindCurrent();
}

const Partition& MergingIterator::partition() const {
  DSIM_CHECK(valid_);
  return *current_ptr_;
}

void MergingIterator::FindCurrent() {
  valid_ = false;
  at_current_.clear();
  const Partition* best = nullptr;
  for (size_t i = 0; i < children_.size(); ++i) {
    PartitionIterator& c = *children_[i];
    if (!c.status().ok()) {
      status_ = c.status();
      return;
    }
    if (!c.Valid()) continue;
    const Partition& p = c.partition();
    if (best == nullptr || PartitionKeyLess(p.token(), p.key(), best->token(), best->key())) {
      best = &p;
      at_current_.assign(1, i);
    } else if (p.token() == best->token() && p.key() == best->key()) {
      at_current_.push_back(i);
    }
  }
  if (best == nullptr) return;
  valid_ = true;
  if (at_current_.size() == 1) {
    current_ptr_ = best;  // a single source: no copy
    return;
  }
  current_ = children_[at_current_[0]]->partition();
  for (size_t j = 1; j < at_current_.size(); ++j) {
    current_.MergeFrom(children_[at_current_[j]]->partition());
  }
  current_ptr_ = &current_;
}

}  // namespace dsim::engine
