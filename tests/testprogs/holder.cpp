// lw-holder — a process that holds resources on command, for leakwatch's own tests and benches.
//
//   lw-holder [--kinds] [--fds N] [--threads N] [--zombies N] [--grandchild]
//
// At start it opens what the flags ask for, prints one line per planted FD ("fd <n> <kind>"),
// then "ready <pid>". Then it reads commands from stdin, one per line, and answers each with one
// line on stdout ("ok ..." or "error ..."):
//   open <kind>            open one FD of that kind          -> "ok <fd>"
//   close <fd>             close it                          -> "ok"
//   close-later <fd> <ms>  close it from another thread ms after answering -> "ok"
//   thread <name>          start a thread that sleeps forever -> "ok <tid>"
//   zombie                 fork a child that exits at once, never reaped -> "ok <pid>"
//   worker                 fork a worker: a copy of this process that takes commands relayed
//                          to it (a pre-fork server's worker)  -> "ok <index> <pid>"
//   in <index> <command>   relay a command to worker <index>   -> the worker's answer
//   retire <index>         the worker exits and is reaped      -> "ok"
//   replace <index>        the worker exits and is reaped (unless retired already); a new one
//                          (same parent, same command line) takes its index -> "ok <pid>"
//   nondumpable            prctl(PR_SET_DUMPABLE, 0): other users can no longer read its /proc
//                          entries                           -> "ok"
//   quit                   exit 0 (EOF on stdin does the same)
// Kinds: file dir chr fifo pipe tcp tcp6 udp udp6 unix netlink eventpoll eventfd timerfd
// signalfd inotify pidfd memfd orphan-pidfd (a pidfd whose process has been reaped).
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio_ext.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "lw-holder: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

int PidfdOpen(pid_t pid) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

int ListeningTcp(int family) {
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (family == AF_INET) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  } else {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  }
  return listen(fd, 4) == 0 ? fd : -1;
}

// Opens one FD of `kind`; returns -1 with errno set on failure, -2 for an unknown kind.
int OpenKind(const std::string& kind) {
  if (kind == "file") return open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (kind == "dir") return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (kind == "chr") return open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (kind == "fifo") {
    // Made, opened and removed at once, so that nothing is left on disk even after SIGKILL.
    const char* base = std::getenv("TMPDIR");
    std::string dir = std::string(base && *base ? base : "/tmp") + "/lw-holder.XXXXXX";
    if (!mkdtemp(dir.data())) return -1;
    std::string path = dir + "/fifo";
    int fd = mkfifo(path.c_str(), 0600) == 0 ? open(path.c_str(), O_RDWR | O_CLOEXEC) : -1;
    int saved = errno;  // O_RDWR: the open does not block without a writer
    unlink(path.c_str());
    rmdir(dir.c_str());
    errno = saved;
    return fd;
  }
  if (kind == "pipe") {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -1;
    close(p[1]);
    return p[0];
  }
  if (kind == "tcp") return ListeningTcp(AF_INET);
  if (kind == "tcp6") return ListeningTcp(AF_INET6);
  if (kind == "udp") return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (kind == "udp6") return socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (kind == "unix") return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (kind == "netlink") return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (kind == "eventpoll") return epoll_create1(EPOLL_CLOEXEC);
  if (kind == "eventfd") return eventfd(0, EFD_CLOEXEC);
  if (kind == "timerfd") return timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (kind == "signalfd") {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    return signalfd(-1, &set, SFD_CLOEXEC);
  }
  if (kind == "inotify") return inotify_init1(IN_CLOEXEC);
  if (kind == "pidfd") return PidfdOpen(getpid());
  if (kind == "memfd") return memfd_create("lw-holder", MFD_CLOEXEC);
  if (kind == "orphan-pidfd") {
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) _exit(0);
    int fd = PidfdOpen(child);
    waitpid(child, nullptr, 0);  // reaped: the pidfd now refers to a process that is gone
    return fd;
  }
  return -2;
}

const char* const kAllKinds[] = {"file",    "dir",       "chr",     "fifo",        "pipe",
                                 "tcp",     "tcp6",      "udp",     "udp6",        "unix",
                                 "netlink", "eventpoll", "eventfd", "timerfd",     "signalfd",
                                 "inotify", "pidfd",     "memfd",   "orphan-pidfd"};

void SleepForever() {
  for (;;) pause();
}

pid_t StartThread(const std::string& name) {
  pid_t tid = 0;
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) Die("pipe");
  std::thread([name, w = ready[1]] {
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    pid_t me = gettid();
    if (write(w, &me, sizeof me) != sizeof me) std::abort();
    SleepForever();
  }).detach();
  if (read(ready[0], &tid, sizeof tid) != sizeof tid) Die("read");
  close(ready[0]);
  close(ready[1]);
  return tid;
}

pid_t MakeZombie() {
  pid_t child = fork();
  if (child == 0) _exit(0);
  // Wait until it has exited without reaping it.
  siginfo_t info{};
  waitid(P_PID, child, &info, WEXITED | WNOWAIT);
  return child;
}

// A child that sleeps and itself has a sleeping child: a two-level tree. Returns once both
// exist, so that "ready" means the whole tree is there.
pid_t MakeGrandparent() {
  int both_exist[2];
  if (pipe2(both_exist, O_CLOEXEC) != 0) Die("pipe");
  const pid_t holder = getpid();
  pid_t child = fork();
  if (child == 0) {
    // Armed before the grandchild exists; the ppid check covers a holder that died first.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != holder) _exit(0);
    const pid_t parent = getpid();
    pid_t grandchild = fork();
    if (grandchild == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(0);
      // Only now is the whole tree there, each part sure to die with its parent: a grandchild
      // left running would hold the test's stdout open and hang ctest.
      if (write(both_exist[1], "x", 1) != 1) std::abort();
      SleepForever();
    }
    SleepForever();
  }
  char byte;
  if (read(both_exist[0], &byte, 1) != 1) Die("waiting for the grandchild");
  close(both_exist[0]);
  close(both_exist[1]);
  return child;
}

void Reply(const std::string& line) {
  std::cout << line << std::endl;  // flush: the test waits for each answer
}

int Serve();

// A forked copy of this process, serving commands the parent relays over two pipes.
struct Worker {
  pid_t pid = -1;
  FILE* to = nullptr;    // its commands
  FILE* from = nullptr;  // its answers
};
std::vector<Worker> g_workers;

Worker ForkWorker() {
  int commands[2], answers[2];
  if (pipe2(commands, O_CLOEXEC) != 0 || pipe2(answers, O_CLOEXEC) != 0) Die("pipe");
  std::cout.flush();
  pid_t pid = fork();
  if (pid < 0) Die("fork");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(commands[0], STDIN_FILENO);
    dup2(answers[1], STDOUT_FILENO);
    for (int fd : {commands[0], commands[1], answers[0], answers[1]}) close(fd);
    // Not ours to hold: the other workers' channels belong to the parent.
    for (Worker& w : g_workers) {
      if (w.to != nullptr) fclose(w.to);
      if (w.from != nullptr) fclose(w.from);
    }
    g_workers.clear();
    __fpurge(stdin);  // the parent's commands read ahead are the parent's
    std::cin.clear();
    Reply("ready");  // its descriptors are in order: a snapshot from now on is its baseline
    _exit(Serve());
  }
  close(commands[0]);
  close(answers[1]);
  Worker worker{pid, fdopen(commands[1], "w"), fdopen(answers[0], "r")};
  char line[64];
  if (std::fgets(line, sizeof line, worker.from) == nullptr) Die("worker did not start");
  return worker;
}

std::string Relay(Worker& worker, const std::string& command) {
  std::fprintf(worker.to, "%s\n", command.c_str());
  std::fflush(worker.to);
  char line[4096];
  if (std::fgets(line, sizeof line, worker.from) == nullptr) return "error the worker is gone";
  std::string answer = line;
  if (!answer.empty() && answer.back() == '\n') answer.pop_back();
  return answer;
}

void StopWorker(Worker& worker) {
  fclose(worker.to);  // EOF: it exits
  fclose(worker.from);
  waitpid(worker.pid, nullptr, 0);
  worker = Worker{};
}

}  // namespace

int main(int argc, char** argv) {
  bool kinds = false, grandchild = false;
  long fds = 0, threads = 0, zombies = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> long {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "lw-holder: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return std::strtol(argv[++i], nullptr, 10);
    };
    if (a == "--kinds")
      kinds = true;
    else if (a == "--grandchild")
      grandchild = true;
    else if (a == "--fds")
      fds = next();
    else if (a == "--threads")
      threads = next();
    else if (a == "--zombies")
      zombies = next();
    else {
      std::fprintf(stderr, "lw-holder: unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test that started us

  if (kinds) {
    for (const char* kind : kAllKinds) {
      int fd = OpenKind(kind);
      if (fd < 0) Die(std::string("opening ") + kind);
      Reply("fd " + std::to_string(fd) + " " + kind);
    }
  }
  if (fds > 0) {
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    rlim_t want = static_cast<rlim_t>(fds) + 64;
    if (lim.rlim_cur < want) {
      lim.rlim_cur = want;
      if (lim.rlim_max < want) lim.rlim_max = want;
      if (setrlimit(RLIMIT_NOFILE, &lim) != 0) Die("raising RLIMIT_NOFILE");
    }
    // A realistic mix: files, pipes, sockets and eventfds in equal parts.
    for (long i = 0; i < fds; ++i) {
      static const char* const mix[] = {"chr", "pipe", "unix", "eventfd"};
      if (OpenKind(mix[i % 4]) < 0) Die("opening FD " + std::to_string(i));
    }
  }
  for (long i = 0; i < threads; ++i) StartThread("holder-" + std::to_string(i));
  for (long i = 0; i < zombies; ++i) MakeZombie();
  if (grandchild) MakeGrandparent();
  Reply("ready " + std::to_string(getpid()));
  return Serve();
}

namespace {

int Serve() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd == "open") {
      std::string kind;
      in >> kind;
      int fd = OpenKind(kind);
      if (fd == -2)
        Reply("error unknown kind " + kind);
      else if (fd < 0)
        Reply(std::string("error ") + std::strerror(errno));
      else
        Reply("ok " + std::to_string(fd));
    } else if (cmd == "close") {
      int fd = -1;
      in >> fd;
      Reply(close(fd) == 0 ? "ok" : std::string("error ") + std::strerror(errno));
    } else if (cmd == "close-later") {
      int fd = -1, ms = 0;
      in >> fd >> ms;
      std::thread([fd, ms] {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        close(fd);
      }).detach();
      Reply("ok");
    } else if (cmd == "thread") {
      std::string name;
      in >> name;
      Reply("ok " + std::to_string(StartThread(name)));
    } else if (cmd == "zombie") {
      Reply("ok " + std::to_string(MakeZombie()));
    } else if (cmd == "nondumpable") {
      Reply(prctl(PR_SET_DUMPABLE, 0) == 0 ? "ok" : std::string("error ") + std::strerror(errno));
    } else if (cmd == "worker") {
      g_workers.push_back(ForkWorker());
      Reply("ok " + std::to_string(g_workers.size() - 1) + " " +
            std::to_string(g_workers.back().pid));
    } else if (cmd == "in" || cmd == "replace" || cmd == "retire") {
      std::size_t index = g_workers.size();
      in >> index;
      if (index >= g_workers.size()) {
        Reply("error no worker " + std::to_string(index));
      } else if (cmd == "in") {
        std::string rest;
        std::getline(in, rest);
        Reply(Relay(g_workers[index], rest.substr(rest.find_first_not_of(' '))));
      } else if (cmd == "retire") {
        if (g_workers[index].pid > 0) StopWorker(g_workers[index]);
        Reply("ok");
      } else {
        if (g_workers[index].pid > 0) StopWorker(g_workers[index]);
        g_workers[index] = ForkWorker();
        Reply("ok " + std::to_string(g_workers[index].pid));
      }
    } else if (cmd == "quit") {
      break;
    } else {
      Reply("error unknown command " + cmd);
    }
  }
  return 0;
}

}  // namespace
