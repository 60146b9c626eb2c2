#pragma once
// A counted gate: at most `capacity` holders inside at once, and the others
// turned away at once rather than queued, so a flood of expensive requests
// (password hashing) holds a fixed number of threads and is told to retry.
//
// Threads: safe from any thread; lock-free.

#include <atomic>
#include <cstdint>

namespace spanline {

class CountedGate {
 public:
  explicit CountedGate(uint32_t capacity) : capacity_(capacity) {}
  CountedGate(const CountedGate&) = delete;
  CountedGate& operator=(const CountedGate&) = delete;

  // Holds a place while it lives; empty (false) when the gate was full.
  class Ticket {
   public:
    explicit Ticket(CountedGate* gate) : gate_(gate) {}
    Ticket(Ticket&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket() {
      if (gate_ != nullptr) gate_->inside_.fetch_sub(1);
    }
    explicit operator bool() const { return gate_ != nullptr; }

   private:
    CountedGate* gate_;
  };

  Ticket try_enter() {
    if (inside_.fetch_add(1) >= capacity_) {
      inside_.fetch_sub(1);
      return Ticket(nullptr);
    }
    return Ticket(this);
  }
  uint32_t inside() const { return inside_.load(); }
  uint32_t capacity() const { return capacity_; }

 private:
  const uint32_t capacity_;
  std::atomic<uint32_t> inside_{0};
};

}  // namespace spanline
