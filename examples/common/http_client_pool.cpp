#include "http_client_pool.h"

namespace baton::examples {

HttpClientPool::Lease::~Lease() {
  if (client_) pool_->Return(address_, std::move(client_));
}

HttpClientPool::Lease HttpClientPool::Borrow(const HostPort& address) {
  {
    std::lock_guard lock(mu_);
    auto& idle = idle_[address.ToString()];
    if (!idle.empty()) {
      auto client = std::move(idle.back());
      idle.pop_back();
      return Lease(this, address, std::move(client));
    }
  }
  auto client = std::make_unique<httplib::Client>(address.host, address.port);
  client->set_keep_alive(true);
  // Request and answer are small writes: without this, Nagle and delayed ACKs
  // cost 40 ms per call on a kept-alive connection.
  client->set_tcp_nodelay(true);
  client->set_connection_timeout(connect_timeout_);
  client->set_read_timeout(read_timeout_);
  client->set_write_timeout(read_timeout_);
  return Lease(this, address, std::move(client));
}

void HttpClientPool::Return(const HostPort& address, std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(mu_);
  idle_[address.ToString()].push_back(std::move(client));
}

}  // namespace baton::examples
