#include "stages/gateway/call_rate_guard.h"
#include <grpcpp/server_context.h>

namespace spanline::gateway {
namespace {

using grpc::experimental::InterceptionHookPoints;

class CountingInterceptor final : public grpc::experimental::Interceptor {
 public:
  CountingInterceptor(CallRateGuard& guard, grpc::experimental::ServerRpcInfo* info) : guard_(guard), info_(info) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      guard_.call_started(info_->server_context()->peer());
    }
    methods->Proceed();
  }

 private:
  CallRateGuard& guard_;
  grpc::experimental::ServerRpcInfo* info_;
};

class Factory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(CallRateGuard& guard) : guard_(guard) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new CountingInterceptor(guard_, info);
  }

 private:
  CallRateGuard& guard_;
};

}  // namespace

void CallRateGuard::call_started(const std::string& peer) {
  auto now = std::chrono::steady_clock::now();
  bool over = false;
  uint32_t calls = 0;
  {
    std::lock_guard lock(mutex_);
    if (now - last_prune_ > std::chrono::seconds(10)) {
      // Windows of connections long gone would otherwise pile up.
      std::erase_if(windows_, [&](const auto& entry) { return now - entry.second.started > std::chrono::seconds(2); });
      last_prune_ = now;
    }
    Window& window = windows_[peer];
    if (now - window.started >= std::chrono::seconds(1)) window = Window{now, 0};
    calls = ++window.calls;
    over = calls == max_calls_per_second_ + 1;  // once per window, not once per extra call
  }
  if (over) {
    acceptor_.close_connection(peer, "started more than " + std::to_string(max_calls_per_second_) +
                                         " calls in one second (HTTP/2 rapid reset or a call flood)");
  }
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> CallRateGuard::interceptor_factory() {
  return std::make_unique<Factory>(*this);
}

}  // namespace spanline::gateway
