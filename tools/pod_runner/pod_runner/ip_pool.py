"""Pod IPs from a loopback CIDR: Linux routes all of 127/8 to lo, so the
workload can bind to the pod's own address and nothing leaves the machine."""
import ipaddress
import threading


class IpPool:
    def __init__(self, cidr: str):
        self._net = ipaddress.ip_network(cidr)
        loopback = ipaddress.ip_network("127.0.0.0/8")
        if not self._net.subnet_of(loopback):
            raise ValueError(f"pod CIDR {cidr} is not inside 127.0.0.0/8")
        self._used: set[str] = set()
        self._lock = threading.Lock()

    def reserve(self, ip: str) -> bool:
        """Marks an address found on an existing pod as taken (restart recovery)."""
        with self._lock:
            if ipaddress.ip_address(ip) not in self._net or ip in self._used:
                return False
            self._used.add(ip)
            return True

    def allocate(self) -> str:
        with self._lock:
            for host in self._net.hosts():
                ip = str(host)
                if ip not in self._used:
                    self._used.add(ip)
                    return ip
        raise RuntimeError(f"pod CIDR {self._net} exhausted")

    def release(self, ip: str) -> None:
        with self._lock:
            self._used.discard(ip)
