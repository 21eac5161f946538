// linux.netDevices (config-linux.md "Network Devices"): move a network device of the runtime's
// network namespace into the container's, under its new name, keep its permanent global addresses
// and bring it up. Runs in the runtime (the parent), between clone and the hooks, over rtnetlink.
//
// The target namespace is reached through a netlink socket opened inside it: setns() switches only
// the calling thread, for as long as it takes socket(2), and a netlink socket stays bound to the
// namespace it was created in. Nothing else runs on this thread meanwhile (JS is single-threaded and
// libuv's pool threads have their own namespaces).
#include <napi.h>

#include "fail.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

using tsr::Fail;
using tsr::Usage;

namespace {

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// One request under construction: header, fixed part, then attributes, all NLMSG_ALIGNed.
struct Req {
  alignas(nlmsghdr) char buf[1024];
  nlmsghdr *h() { return reinterpret_cast<nlmsghdr *>(buf); }
  Req(uint16_t type, uint16_t flags, const void *fixed, size_t len) {
    memset(buf, 0, sizeof buf);
    h()->nlmsg_type = type;
    h()->nlmsg_flags = NLM_F_REQUEST | flags;
    h()->nlmsg_len = NLMSG_LENGTH(len);
    memcpy(NLMSG_DATA(h()), fixed, len);
  }
  bool attr(uint16_t type, const void *data, size_t len) {
    size_t at = NLMSG_ALIGN(h()->nlmsg_len);
    if (at + RTA_SPACE(len) > sizeof buf) return false;
    rtattr *a = reinterpret_cast<rtattr *>(buf + at);
    a->rta_type = type;
    a->rta_len = RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    h()->nlmsg_len = at + RTA_SPACE(len);
    return true;
  }
  bool attrU32(uint16_t type, uint32_t v) { return attr(type, &v, sizeof v); }
  bool attrStr(uint16_t type, const std::string &s) { return attr(type, s.c_str(), s.size() + 1); }
};

using OnMsg = std::function<void(const nlmsghdr *)>;

// Send a request and read its answers until the ack, the end of a dump or a single reply.
// Returns 0 or a positive errno.
int talk(int fd, Req &req, const OnMsg &on = nullptr) {
  static uint32_t seq = 0;
  req.h()->nlmsg_seq = ++seq;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, req.buf, req.h()->nlmsg_len, 0, reinterpret_cast<sockaddr *>(&kernel), sizeof kernel) < 0)
    return errno;
  std::vector<char> rbuf(64 * 1024);
  for (;;) {
    ssize_t n = recv(fd, rbuf.data(), rbuf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    int left = (int)n;
    for (auto *m = reinterpret_cast<nlmsghdr *>(rbuf.data()); NLMSG_OK(m, left); m = NLMSG_NEXT(m, left)) {
      if (m->nlmsg_seq != req.h()->nlmsg_seq) continue;
      if (m->nlmsg_type == NLMSG_ERROR) {
        auto *e = static_cast<nlmsgerr *>(NLMSG_DATA(m));
        return -e->error;  // 0: the ack
      }
      if (m->nlmsg_type == NLMSG_DONE) return 0;
      if (on) on(m);
      if (!(m->nlmsg_flags & NLM_F_MULTI) && !(req.h()->nlmsg_flags & NLM_F_ACK)) return 0;
    }
  }
}

int nlSocket() { return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE); }

// A netlink socket inside the namespace behind nsfd; -errno on failure.
int nlSocketIn(int nsfd) {
  Fd self(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (self.fd < 0) return -errno;
  if (setns(nsfd, CLONE_NEWNET) < 0) return -errno;
  int s = nlSocket();
  int e = errno;
  // Back to our own namespace; staying in the container's would misdirect everything after.
  if (setns(self.fd, CLONE_NEWNET) < 0) abort();
  return s < 0 ? -e : s;
}

const rtattr *findAttr(const void *start, int len, uint16_t type) {
  for (auto *a = static_cast<const rtattr *>(start); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == type) return a;
  }
  return nullptr;
}

// ifindex and name of the link named `name` (0 when there is none, -errno on failure).
int linkByName(int fd, const std::string &name, std::string *outName) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  Req req(RTM_GETLINK, 0, &ifi, sizeof ifi);
  if (!req.attrStr(IFLA_IFNAME, name)) return -ENAMETOOLONG;
  int index = 0;
  int e = talk(fd, req, [&](const nlmsghdr *m) {
    if (m->nlmsg_type != RTM_NEWLINK) return;
    auto *got = static_cast<const ifinfomsg *>(NLMSG_DATA(m));
    index = got->ifi_index;
    const rtattr *n = findAttr(IFLA_RTA(got), IFLA_PAYLOAD(m), IFLA_IFNAME);
    if (n && outName) *outName = static_cast<const char *>(RTA_DATA(n));
  });
  if (e == ENODEV) return 0;
  return e ? -e : index;
}

// A netlink dump (RTM_GETLINK, RTM_GETADDR, ...) of every family: `fn(m, fixed)` sees each reply
// of type `want` with its fixed part (ifinfomsg, ifaddrmsg).
template <typename Msg, typename Fn>
int dump(int fd, uint16_t get, uint16_t want, Fn fn) {
  Msg q{};  // all zero: the family is AF_UNSPEC
  Req req(get, NLM_F_DUMP, &q, sizeof q);
  return talk(fd, req, [&](const nlmsghdr *m) {
    if (m->nlmsg_type == want) fn(m, static_cast<const Msg *>(NLMSG_DATA(m)));
  });
}

// Every link of the namespace: index -> name.
int allLinks(int fd, std::vector<std::pair<int, std::string>> *out) {
  return dump<ifinfomsg>(fd, RTM_GETLINK, RTM_NEWLINK, [&](const nlmsghdr *m, const ifinfomsg *got) {
    const rtattr *n = findAttr(IFLA_RTA(got), IFLA_PAYLOAD(m), IFLA_IFNAME);
    out->emplace_back(got->ifi_index, n ? static_cast<const char *>(RTA_DATA(n)) : "");
  });
}

// An address to re-add: the fixed part and the attributes that describe it (not its label, which
// names the old device, nor cache info: permanent addresses have no lifetimes).
struct Addr {
  ifaddrmsg ifa;
  uint32_t flags;
  std::vector<std::pair<uint16_t, std::vector<char>>> attrs;
};

// Flags a caller may set; the rest (permanent, tentative, secondary, ...) are the kernel's.
constexpr uint32_t kSettableFlags =
    IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN | IFA_F_MANAGETEMPADDR;

// The spec keeps "all permanent IP addresses (IFA_F_PERMANENT) of any family with global scope".
int permanentGlobalAddrs(int fd, int index, std::vector<Addr> *out) {
  return dump<ifaddrmsg>(fd, RTM_GETADDR, RTM_NEWADDR, [&](const nlmsghdr *m, const ifaddrmsg *ifa) {
    if ((int)ifa->ifa_index != index || ifa->ifa_scope != RT_SCOPE_UNIVERSE) return;
    int len = IFA_PAYLOAD(m);
    const rtattr *fa = findAttr(IFA_RTA(ifa), len, IFA_FLAGS);
    uint32_t flags = fa ? *static_cast<const uint32_t *>(RTA_DATA(fa)) : ifa->ifa_flags;
    if (!(flags & IFA_F_PERMANENT)) return;
    Addr a{*ifa, flags & kSettableFlags, {}};
    a.ifa.ifa_flags = (uint8_t)(a.flags & 0xff);
    for (uint16_t t : {IFA_ADDRESS, IFA_LOCAL, IFA_BROADCAST}) {
      const rtattr *at = findAttr(IFA_RTA(ifa), len, t);
      if (!at) continue;
      auto *p = static_cast<const char *>(RTA_DATA(at));
      a.attrs.emplace_back(t, std::vector<char>(p, p + RTA_PAYLOAD(at)));
    }
    out->push_back(std::move(a));
  });
}

}  // namespace

// ifIndex(name): the index of a network device of the runtime's network namespace, 0 if none.
Napi::Value IfIndex(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!Usage(info, info.Length() >= 1 && info[0].IsString(), "ifIndex(name)")) return env.Undefined();
  std::string name = info[0].As<Napi::String>();
  return Napi::Number::New(env, if_nametoindex(name.c_str()));
}

// netdevMove(hostName, newName, nsPath) -> { name, index, addresses }
Napi::Value NetdevMove(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  bool ok = info.Length() >= 3 && info[0].IsString() && info[1].IsString() && info[2].IsString();
  if (!Usage(info, ok, "netdevMove(hostName, newName, nsPath)")) return env.Undefined();
  std::string host = info[0].As<Napi::String>(), want = info[1].As<Napi::String>(), nsPath = info[2].As<Napi::String>();
  bool pattern = want.find('%') != std::string::npos;

  Fd hs(nlSocket());
  if (hs.fd < 0) return Fail(env, "netlink socket", errno);
  int index = linkByName(hs.fd, host, nullptr);
  if (index < 0) return Fail(env, "cannot look up network device " + host, -index);
  if (index == 0) return Fail(env, "network device " + host + " not found in the runtime's network namespace", ENODEV);

  Fd ns(open(nsPath.c_str(), O_RDONLY | O_CLOEXEC));
  if (ns.fd < 0) return Fail(env, "cannot open " + nsPath, errno);
  int ts = nlSocketIn(ns.fd);
  if (ts < 0) return Fail(env, "cannot enter the container's network namespace", -ts);
  Fd tsock(ts);

  // "If a network device with the specified name already exists in the container namespace, the
  // runtime MUST generate an error, unless the user has provided a template" (%d).
  std::set<int> before;
  if (!pattern) {
    int clash = linkByName(tsock.fd, want, nullptr);
    if (clash < 0) return Fail(env, "cannot look up " + want + " in the container's network namespace", -clash);
    if (clash > 0)
      return Fail(env, "a network device named " + want + " already exists in the container's network namespace",
                  EEXIST);
  } else {
    std::vector<std::pair<int, std::string>> links;
    if (int e = allLinks(tsock.fd, &links)) return Fail(env, "cannot list the container's network devices", e);
    for (auto &l : links) before.insert(l.first);
  }

  std::vector<Addr> addrs;
  if (int e = permanentGlobalAddrs(hs.fd, index, &addrs)) return Fail(env, "cannot read the addresses of " + host, e);

  // Move and rename in one request, so the host name never has to be free in the container (the
  // new name is also the kernel's pattern if it is not). The kernel takes the device down to move it.
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  Req mv(RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
  mv.attrU32(IFLA_NET_NS_FD, (uint32_t)ns.fd);
  if (want != host && !mv.attrStr(IFLA_IFNAME, want)) return Fail(env, "name " + want, ENAMETOOLONG);
  if (int e = talk(hs.fd, mv)) return Fail(env, "cannot move network device " + host + " to the container", e);

  // Find it again on the other side: by name, or for a template as the one link that is new.
  std::string name = want;
  int nindex = 0;
  if (!pattern) {
    nindex = linkByName(tsock.fd, want, &name);
    if (nindex < 0) return Fail(env, "cannot find " + want + " after the move", -nindex);
  } else {
    std::vector<std::pair<int, std::string>> links;
    if (int e = allLinks(tsock.fd, &links)) return Fail(env, "cannot list the container's network devices", e);
    for (auto &l : links) {
      if (before.count(l.first)) continue;
      if (nindex) return Fail(env, "cannot tell which new device in the container is " + host, EBUSY);
      nindex = l.first;
      name = l.second;
    }
  }
  if (nindex <= 0) return Fail(env, "network device " + want + " not found in the container after the move", ENODEV);

  for (auto &a : addrs) {
    a.ifa.ifa_index = nindex;
    Req add(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, &a.ifa, sizeof a.ifa);
    for (auto &at : a.attrs) add.attr(at.first, at.second.data(), at.second.size());
    if (a.flags & ~0xffu) add.attrU32(IFA_FLAGS, a.flags);
    if (int e = talk(tsock.fd, add)) return Fail(env, "cannot restore an address of " + name, e);
  }

  // "The runtime MUST set the network device state to up after moving it".
  ifinfomsg up{};
  up.ifi_family = AF_UNSPEC;
  up.ifi_index = nindex;
  up.ifi_flags = IFF_UP;
  up.ifi_change = IFF_UP;
  Req upr(RTM_NEWLINK, NLM_F_ACK, &up, sizeof up);
  if (int e = talk(tsock.fd, upr)) return Fail(env, "cannot set " + name + " up", e);

  Napi::Object out = Napi::Object::New(env);
  out.Set("name", Napi::String::New(env, name));
  out.Set("index", Napi::Number::New(env, nindex));
  out.Set("addresses", Napi::Number::New(env, (double)addrs.size()));
  return out;
}
