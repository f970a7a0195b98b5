#include "valley/distributed/communicator.h"

#include "valley/core/error.h"

namespace valley::distributed {
namespace {

Communicator*& current() {
  static SerialCommunicator serial;
  static Communicator* active = &serial;
  return active;
}

std::unique_ptr<Communicator>& installed() {
  static std::unique_ptr<Communicator> owner;
  return owner;
}

[[noreturn]] void no_partner() { fail("internal: a single process has no rank to exchange with"); }

}  // namespace

void SerialCommunicator::send(int, std::span<const double>) { no_partner(); }
void SerialCommunicator::send(int, std::span<const float>) { no_partner(); }
void SerialCommunicator::receive(int, std::span<double>) { no_partner(); }
void SerialCommunicator::receive(int, std::span<float>) { no_partner(); }

Communicator& world() { return *current(); }

void set_world(std::unique_ptr<Communicator> communicator) {
  installed() = std::move(communicator);
  current() = installed().get();
}

ScopedWorld::ScopedWorld(Communicator& communicator) : previous_(current()) { current() = &communicator; }
ScopedWorld::~ScopedWorld() { current() = previous_; }

Share share_of(int64_t n, int rank, int size) {
  const int64_t base = n / size, extra = n % size;
  const int64_t begin = rank * base + std::min<int64_t>(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

}  // namespace valley::distributed
