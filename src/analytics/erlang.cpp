#include "analytics/erlang.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace rapport::analytics {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Collects every bad field of a Load and agents count.
void CheckLoad(const Load& load, int agents, FieldErrors& errors) {
  if (!std::isfinite(load.traffic) || load.traffic < 0) {
    errors.Add("traffic", "must be a finite number of Erlangs >= 0");
  } else if (load.traffic > kMaxTraffic) {
    errors.Add("traffic", "must be at most 1,000,000 Erlangs");
  }
  if (!std::isfinite(load.handle_seconds) || load.handle_seconds <= 0) {
    errors.Add("handle_seconds", "must be a finite number of seconds > 0");
  }
  if (!std::isfinite(load.threshold_seconds) || load.threshold_seconds < 0) {
    errors.Add("threshold_seconds", "must be a finite number of seconds >= 0");
  }
  if (agents < 0) errors.Add("agents", "must be >= 0");
}

// The figures of an interval without traffic: nobody waits, nobody is busy.
Performance Idle(int agents) {
  Performance p;
  p.agents = agents;
  p.service_level = 1;
  return p;
}

}  // namespace

void ErlangBWalk::AdvanceTo(int agents) {
  if (traffic_ == 0) {  // B(0) = 1, then 0 for every N >= 1
    agents_ = agents;
    reciprocal_ = agents == 0 ? 1 : kInfinity;
    return;
  }
  // 1/B(k) = 1 + (k/A)·(1/B(k−1)). Four steps at a time fold into one multiply-add,
  // 1/B(k+4) = (1 + c4 + c4·c3 + c4·c3·c2) + c4·c3·c2·c1 · 1/B(k) with ci = (k+i)/A,
  // whose coefficients do not depend on the previous value: the chain of dependent
  // operations is a quarter as long, which is what bounds the speed of this loop. Every
  // term is positive, so no cancellation; an overflow to +infinity means B underflowed.
  const double per_agent = 1 / traffic_;
  double r = reciprocal_;
  int k = agents_;
  while (k + 4 <= agents) {
    const double c1 = (k + 1) * per_agent;
    const double c2 = (k + 2) * per_agent;
    const double c3 = (k + 3) * per_agent;
    const double c4 = (k + 4) * per_agent;
    r = (1 + c4 * (1 + c3 * (1 + c2))) + (c4 * c3 * c2 * c1) * r;
    k += 4;
  }
  while (k < agents) {
    ++k;
    r = 1 + (k * per_agent) * r;
  }
  agents_ = k;
  reciprocal_ = r;
}

double ErlangBWalk::blocking() const { return 1 / reciprocal_; }

double ErlangB(double traffic, int agents) {
  ErlangBWalk walk(traffic);
  walk.AdvanceTo(agents);
  return walk.blocking();
}

double ErlangC(double traffic, int agents) {
  if (traffic == 0) return 0;
  if (agents <= traffic) return 1;
  const double b = ErlangB(traffic, agents);
  const double n = agents;
  // N − A·(1 − B) written so that it stays positive and exact-ish when B is near 0 or 1.
  return n * b / ((n - traffic) + traffic * b);
}

Performance ErlangCFromBlocking(const Load& load, int agents, double blocking) {
  const double a = load.traffic;
  if (a == 0) return Idle(agents);
  Performance p;
  p.agents = agents;
  if (agents <= a) {
    p.wait_probability = 1;
    p.service_level = 0;
    p.asa_seconds = kInfinity;
    p.mean_wait_seconds = kInfinity;
    p.occupancy = 1;
    return p;
  }
  const double n = agents;
  const double c = n * blocking / ((n - a) + a * blocking);
  p.wait_probability = c;
  p.service_level = 1 - c * std::exp(-(n - a) * load.threshold_seconds / load.handle_seconds);
  p.asa_seconds = c * load.handle_seconds / (n - a);
  p.mean_wait_seconds = p.asa_seconds;
  p.occupancy = a / n;
  return p;
}

Result<Performance> EvaluateErlangC(const Load& load, int agents) {
  FieldErrors errors;
  CheckLoad(load, agents, errors);
  if (!errors.empty()) return std::unexpected(errors.ToError("invalid Erlang C input"));
  return ErlangCFromBlocking(load, agents, ErlangB(load.traffic, agents));
}

// Erlang A (M/M/N+M): arrivals at rate λ, N agents serving at rate μ = 1/AHT each, and
// every waiting caller leaving at rate θ = 1/patience. Time is measured in handle times
// here (μ = 1, λ = A, θ = AHT/patience, T = threshold/AHT).
//
// The number in the system is a birth-death chain whose stationary probabilities, relative
// to p_N (all agents busy, nobody waiting), are
//   below N:  Σ_{k<N} p_k / p_N = (1 − B) / B          (B = Erlang B, by its recursion)
//   above N:  q_j = p_{N+j} / p_N = Π_{i=1..j} A / (N + iθ).
// The q_j rise while N + jθ < A and then fall faster than geometrically, so they are
// summed in one pass as logarithms relative to the largest term seen so far (rescaling
// the sums when a larger one appears), and the pass stops past the mode once the rest of
// the tail, bounded by a geometric series with the current ratio, is below 1e-16 of the
// total. Nothing overflows whatever A, N and θ.
//
// An arrival that finds N + j in the system (PASTA) has j callers ahead; the queue ahead
// shrinks at rate N + kθ when k are ahead, and the caller itself gives up at rate θ. Its
// wait until an agent takes it is V = Σ_{k=0..j} Exp(N + kθ), and it is answered within T
// iff V <= T and its patience exceeds V, so
//   P(answered within T | j) = E[e^{−θV}; V <= T]
//                            = N/(N + (j+1)θ) · P(H_{j+1} <= T),  H_m = Σ_{k=1..m} Exp(N + kθ)
// (tilting each stage by e^{−θx} turns Exp(N + kθ) into Exp(N + (k+1)θ) and telescopes the
// weights). e^{−θH_m} is Beta(N/θ + 1, m) distributed (the Laplace transform of H_m is a
// ratio of Beta functions), so P(H_m <= T) = 1 − I_x(N/θ + 1, m) with x = e^{−θT}, and the
// regularised incomplete Beta function steps in m by adding positive terms:
//   I_x(p, 1) = x^p,   I_x(p, m+1) = I_x(p, m) + x^p (1−x)^m Γ(p+m) / (Γ(p) m!),
// whose logarithms are carried from one j to the next. Likewise the answered caller's mean
// wait: E[V e^{−θV}] = N/(N + (j+1)θ) · Σ_{k=1..j+1} 1/(N + kθ). Abandonment given j is
// 1 − N/(N + (j+1)θ); its average agrees with θ·Lq/λ (tested).
Result<Performance> EvaluateErlangA(const Load& load, double patience_seconds, int agents) {
  FieldErrors errors;
  CheckLoad(load, agents, errors);
  if (!std::isfinite(patience_seconds) || patience_seconds <= 0) {
    errors.Add("patience_seconds", "must be a finite number of seconds > 0");
  }
  if (!errors.empty()) return std::unexpected(errors.ToError("invalid Erlang A input"));

  const double a = load.traffic;
  if (a == 0) return Idle(agents);
  const double n = agents;
  const double theta = load.handle_seconds / patience_seconds;
  const double tau = load.threshold_seconds / load.handle_seconds;
  const double b = ErlangB(a, agents);
  Performance p;
  p.agents = agents;
  if (b == 0) {  // P(all busy) below the smallest double: nobody waits
    p.service_level = 1;
    p.occupancy = a / n;
    return p;
  }

  // Sums relative to p_N, scaled by e^{−scale}.
  double scale = 0;
  double below = 0;      // Σ_{k<N} p_k: answered at once
  double waiting = 0;    // Σ q_j
  double queued = 0;     // Σ j·q_j (Lq)
  double abandoned = 0;  // Σ q_j · P(abandon | j)
  double answered = 0;   // Σ q_j · P(answered | j)
  double in_time = 0;    // Σ q_j · P(answered within T | j)
  double wait_sum = 0;   // Σ q_j · E[wait; answered | j]
  const double log_below = std::log1p(-b) - std::log(b);  // −infinity when N = 0
  if (agents > 0) {
    scale = std::max(0.0, log_below);
    below = std::exp(log_below - scale);
  }
  auto add_term = [&](double log_term, double j, double answer, double within, double wait) {
    if (log_term > scale) {
      const double shrink = std::exp(scale - log_term);
      below *= shrink;
      waiting *= shrink;
      queued *= shrink;
      abandoned *= shrink;
      answered *= shrink;
      in_time *= shrink;
      wait_sum *= shrink;
      scale = log_term;
    }
    const double q = std::exp(log_term - scale);
    waiting += q;
    queued += j * q;
    abandoned += q * (1 - answer);
    answered += q * answer;
    in_time += q * within;
    wait_sum += q * wait;
    return q;
  };

  // The incomplete Beta terms, p = N/θ + 1, x = e^{−θT}: log x^p = −(N + θ)·T.
  const double beta_p = n / theta + 1;
  const double log_one_minus_x = std::log(-std::expm1(-theta * tau));  // −infinity at T = 0
  double log_step = -(n + theta) * tau + log_one_minus_x + std::log(beta_p);  // term m = 1
  double incomplete = std::exp(-(n + theta) * tau);                          // I_x(p, 1)
  double harmonic = 1 / (n + theta);                                         // Σ_{k=1..1}
  double log_q = 0;
  for (double j = 0;; ++j) {
    const double answer = n / (n + (j + 1) * theta);
    const double within = answer * std::max(0.0, 1 - incomplete);
    const double q = add_term(log_q, j, answer, within, answer * harmonic);
    // Next term: q_{j+1} = q_j · A / (N + (j+1)θ); past the mode the ratio only falls, so
    // the tail is at most q·r/(1−r), and its weight in Lq at most (j + 1/(1−r)) times that.
    const double ratio = a / (n + (j + 1) * theta);
    if (ratio < 1) {
      const double tail = q * ratio / (1 - ratio);
      if (tail * (j + 1 + 1 / (1 - ratio)) <= 1e-16 * (below + waiting)) break;
    }
    log_q += std::log(ratio);
    const double m = j + 1;  // from I_x(p, m) to I_x(p, m + 1)
    incomplete += std::exp(log_step);
    log_step += log_one_minus_x + std::log((beta_p + m) / (m + 1));
    harmonic += 1 / (n + (m + 1) * theta);
  }

  const double total = below + waiting;
  p.wait_probability = waiting / total;
  p.abandon_probability = abandoned / total;
  p.service_level = std::min(1.0, (below + in_time) / total);
  p.mean_wait_seconds = queued / total / a * load.handle_seconds;  // Little: Lq / λ
  const double answered_all = below + answered;
  p.asa_seconds = answered_all > 0 ? wait_sum / answered_all * load.handle_seconds : 0;
  p.occupancy = agents > 0 ? std::min(1.0, a * (answered_all / total) / n) : 0;
  return p;
}

}  // namespace rapport::analytics
