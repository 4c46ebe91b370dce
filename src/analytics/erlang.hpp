// Queueing formulas for staffing a contact-centre interval: Erlang B (blocking), Erlang C
// (M/M/N, callers wait as long as it takes) and Erlang A (M/M/N+M, callers abandon after an
// exponentially distributed patience). Definitions and formulas: docs/staffing.md.
//
// Units: traffic A in Erlangs (arrival rate × mean handle time), agents N a whole number,
// times in seconds. Every function is pure, allocates nothing and is safe from any thread.
// Accuracy: Erlang B and C are computed by the recursion of Erlang B (no factorials, no
// powers), which is stable for any A and N; Erlang A works in logarithms relative to the
// largest term. All stay finite and accurate to at least A = 5,000 and N = 6,000.
#pragma once

#include "core/error.hpp"

namespace rapport::analytics {

// The largest traffic the checked entry points accept, so that every search terminates in
// bounded time; far beyond any single queue.
inline constexpr double kMaxTraffic = 1e6;

// Erlang B: the probability that a call offered to `agents` servers with no waiting room
// is blocked. B(0) = 1 and B(n) = A·B(n−1) / (n + A·B(n−1)), evaluated as its reciprocal
// 1/B(n) = 1 + (n/A)·(1/B(n−1)), a sum of positive terms. 0 when the true value is below
// the smallest double; 0 for any agents ≥ 1 when traffic is 0.
// REQUIRES: traffic finite and >= 0; agents >= 0.
double ErlangB(double traffic, int agents);

// Erlang C: the probability that a call has to wait, C = N·B / (N − A·(1 − B)). 1 when
// agents <= traffic (the queue grows without bound, everyone waits); 0 when traffic is 0.
// REQUIRES: as ErlangB.
double ErlangC(double traffic, int agents);

// One interval's offered load and the service-level threshold T.
struct Load {
  double traffic = 0;            // Erlangs, >= 0
  double handle_seconds = 0;     // mean handle time, > 0
  double threshold_seconds = 0;  // T of "answered within T", >= 0
};

// Steady-state figures of `agents` agents serving a Load. Averages over offered calls.
struct Performance {
  int agents = 0;
  double wait_probability = 0;  // P(a call waits at all)
  // Erlang C: P(wait <= T). Erlang A: P(answered within T) over offered calls, so a call
  // that abandons counts against the level, whenever it abandons.
  double service_level = 0;
  // Average speed of answer: the mean wait of answered calls. +infinity when agents <=
  // traffic under Erlang C (the queue is unstable); always finite under Erlang A, and 0
  // there when nothing is answered (N = 0).
  double asa_seconds = 0;
  // Mean time in queue over all offered calls, abandoned ones counting the time until they
  // gave up (= Lq / λ). Equal to asa_seconds under Erlang C.
  double mean_wait_seconds = 0;
  // Fraction of agent time spent handling calls: carried traffic / N, at most 1. Erlang C
  // carries all of A (1 when agents <= traffic); Erlang A carries A·(1 − abandonment).
  double occupancy = 0;
  double abandon_probability = 0;  // Erlang A: P(a call abandons); 0 under Erlang C
};

// Erlang C figures: SL = 1 − C·e^(−(N−A)·T/AHT), ASA = C·AHT/(N−A), occupancy A/N.
// With no traffic nobody waits: SL 1, ASA 0, occupancy 0. With agents <= traffic: C 1,
// SL 0, ASA +infinity, occupancy 1.
// Invalid load or agents (negative, non-finite, traffic above kMaxTraffic) → kInvalid
// naming the field.
Result<Performance> EvaluateErlangC(const Load& load, int agents);

// The building blocks of a search over N, where evaluating each N from scratch would cost
// O(N) per candidate: the walk carries Erlang B from one N to the next.
class ErlangBWalk {
 public:
  // At N = 0. REQUIRES: traffic finite and >= 0.
  explicit ErlangBWalk(double traffic) : traffic_(traffic) {}

  // Moves to N = `agents`. REQUIRES: agents >= this->agents().
  void AdvanceTo(int agents);

  int agents() const { return agents_; }
  double traffic() const { return traffic_; }
  // B(traffic, agents()), and its reciprocal (+infinity when B is below the smallest double).
  double blocking() const;
  double reciprocal_blocking() const { return reciprocal_; }

 private:
  double traffic_;
  int agents_ = 0;
  double reciprocal_ = 1;  // 1/B
};

// EvaluateErlangC without the checks, from B(load.traffic, agents).
// REQUIRES: `load` valid as EvaluateErlangC checks it; blocking = ErlangB(traffic, agents).
Performance ErlangCFromBlocking(const Load& load, int agents, double blocking);

// Erlang A figures for callers whose patience is exponential with mean `patience_seconds`.
// Stable for any agents >= 0, including agents <= traffic. Method: see erlang.cpp.
// Invalid load, agents or patience (<= 0 or non-finite) → kInvalid naming the field.
Result<Performance> EvaluateErlangA(const Load& load, double patience_seconds, int agents);

}  // namespace rapport::analytics
