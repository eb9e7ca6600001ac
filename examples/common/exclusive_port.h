// A cpp-httplib server whose port no other process can share.
#pragma once

#include <httplib.h>
#include <sys/socket.h>

namespace baton::examples {

// cpp-httplib sets SO_REUSEPORT by default: a second process may then bind
// the same address and port, and the kernel splits connections between the
// two — a drain call answered by a process of another pod. Seen in tests
// whose pods' loopback addresses overlapped. SO_REUSEADDR alone still allows
// a quick restart. Call before binding.
inline void ListenExclusively(httplib::Server& server) {
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
}

}  // namespace baton::examples
