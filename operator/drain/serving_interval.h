// How often a serving pod's count is read: at the tier's poll interval while
// the count moves, backing off (doubling) while it sits still, up to a rest
// interval with jitter. Pure, so the schedule is tested with plain numbers.
//
// Why: a serving pod's count is needed only to choose the next pod to drain
// and for status and the directory's load hints. Read every 5 s, 10,000 pods
// cost 2,000 reads/s (72 % of a core, bench/RESULTS.md); read every 30-60 s
// once settled, about 220/s. A count that moves (sessions arriving after a
// scale-up, a neighbour's drain moving its sessions here) is read at the
// poll interval again, so hints stay close to the truth when it matters.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "drain/drain_reading.h"

namespace baton::drain {

// Whether `after` tells something `before` did not: known-ness, state or
// instance changed, or the count moved by at least 1/16 of the larger of the
// two (any change at all below 16 sessions). A relay at 500,000 sessions
// churning a few thousand between reads sits still; one gaining 34,000 or
// losing 31,250 moves.
bool CountMoved(const DrainReading& before, const DrainReading& after);

// The interval after `steady_reads` answers in a row that did not move:
// poll, 2 x poll, 4 x poll, ... and, once that reaches `rest`, rest plus
// jitter x rest (jitter in [0, 1)), so pods that settled together do not
// stay in step. Never shorter than poll.
std::chrono::milliseconds ServingInterval(int steady_reads, std::chrono::milliseconds poll,
                                          std::chrono::milliseconds rest, double jitter);

// A number in [0, 1) from a key and a counter, the same for the same
// inputs: jitter without a random source in the pure schedule.
double JitterOf(std::string_view key, uint64_t n);

}  // namespace baton::drain
