#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "host_port.h"

namespace baton::examples {

// Keep-alive HTTP clients per address, lent to one thread at a time
// (httplib::Client is not thread-safe). Reusing connections matters: at
// thousands of calls per second, a connection per call would run loopback out
// of ephemeral ports (TIME_WAIT) within a minute.
class HttpClientPool {
 public:
  HttpClientPool(std::chrono::milliseconds connect_timeout, std::chrono::milliseconds read_timeout)
      : connect_timeout_(connect_timeout), read_timeout_(read_timeout) {}

  class Lease {
   public:
    Lease(HttpClientPool* pool, HostPort address, std::unique_ptr<httplib::Client> client)
        : pool_(pool), address_(std::move(address)), client_(std::move(client)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    httplib::Client& operator*() { return *client_; }
    httplib::Client* operator->() { return client_.get(); }
    // After a transport error: the connection is not reused.
    void Discard() { client_.reset(); }

   private:
    HttpClientPool* pool_;
    HostPort address_;
    std::unique_ptr<httplib::Client> client_;
  };

  Lease Borrow(const HostPort& address);

 private:
  void Return(const HostPort& address, std::unique_ptr<httplib::Client> client);

  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds read_timeout_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle_;
};

}  // namespace baton::examples
