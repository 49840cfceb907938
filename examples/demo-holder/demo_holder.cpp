// demo-holder — a small server-like program that leaks the way real programs do; ci/demo runs
// leakwatch against it.
//
//   demo-holder [STATE_DIR]
//
// At start it opens a known mix of resources, then prints "ready <pid>" on stdout:
//   file x2    STATE_DIR/holder.log (written by the loop thread) and its own executable
//   dir        STATE_DIR
//   chr        /dev/null
//   pipe x2    a pipe from the main thread to the loop thread (both ends)
//   tcp        a listener on 127.0.0.1, port 0 (the kernel picks a free one)
//   eventpoll  the loop thread's epoll, watching:
//   eventfd      its stop signal
//   timerfd      a 1 s tick
//   inotify      STATE_DIR
//   signalfd   SIGTERM and SIGINT, read by the main thread
//   memfd      "demo-holder-cache"
//   threads    main, "dh-loop" (the epoll loop) and "dh-pool" (a worker waiting for jobs)
// plus what it inherited on 0, 1 and 2. Without STATE_DIR it makes one under $TMPDIR (or /tmp)
// and removes it on a clean exit.
//
// It is driven by lines on stdin (so a script can wait for each answer instead of sleeping);
// each line is answered with one line on stdout:
//   more   leak, as real programs do:
//          - run a helper binary that does not exist: fork, pidfd_open the child, the exec
//            fails and the child exits, it is reaped through the pidfd with waitid(P_PIDFD),
//            and the pidfd is never closed: an orphaned pidfd (fdinfo says "Pid: -1");
//          - start a retry thread ("dh-retry-N") that never ends;
//          - connect a TCP socket to its own listener and forget it.
//          Answer: "leaked pidfd <fd> (helper <pid> exited <status>), tcp <fd>, thread <tid>".
//   quit   exit 0.
// Anything else is answered with "error ...". EOF on stdin, SIGTERM and SIGINT end it cleanly
// (threads joined, exit status 0). PR_SET_PDEATHSIG(SIGKILL) makes sure it never outlives its
// parent.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace {

constexpr std::size_t kMaxLine = 4096;  // longer stdin "lines" are dropped, not buffered

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "demo-holder: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

// Owns one descriptor of the resources the program means to keep (the leaks are plain ints).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

// Takes a freshly opened descriptor, or dies naming `what` when the open failed.
Fd Must(int fd, const std::string& what) {
  if (fd < 0) Die(what);
  return Fd(fd);
}

// Writes all of `text` or returns false (EPIPE once the reader has gone).
bool WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool Reply(const std::string& line) {
  return WriteAll(STDOUT_FILENO, line + "\n");
}

// A descriptor number below 3 that is not open would be handed to the first open() below and
// then be mistaken for stdin/stdout; give it /dev/null instead.
void EnsureStandardFds() {
  for (int fd = 0; fd < 3; ++fd) {
    if (fcntl(fd, F_GETFD) >= 0) continue;
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0 && null_fd != fd) {
      dup2(null_fd, fd);
      close(null_fd);
    }
  }
}

Fd TcpListener(sockaddr_in& address) {
  Fd fd = Must(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "creating the listener");
  address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(fd.get(), 128) != 0 ||
      getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    Die("listening on 127.0.0.1");
  }
  return fd;
}

void NameThread(std::thread& thread, const std::string& name) {
  pthread_setname_np(thread.native_handle(), name.substr(0, 15).c_str());
}

// The event loop thread: logs ticks, changes in the state dir and messages from the main thread
// until the stop eventfd fires.
class EventLoop {
 public:
  EventLoop(int log_fd, const std::string& state_dir)
      : log_fd_(log_fd),
        epoll_(Must(epoll_create1(EPOLL_CLOEXEC), "creating the epoll")),
        stop_(Must(eventfd(0, EFD_CLOEXEC), "creating the eventfd")),
        tick_(Must(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), "creating the timerfd")),
        inotify_(Must(inotify_init1(IN_CLOEXEC | IN_NONBLOCK), "creating the inotify")) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) Die("creating the pipe");
    pipe_read_ = Fd(ends[0]);
    pipe_write_ = Fd(ends[1]);
    itimerspec every_second{};
    every_second.it_value.tv_sec = 1;
    every_second.it_interval.tv_sec = 1;
    if (timerfd_settime(tick_.get(), 0, &every_second, nullptr) != 0) Die("arming the timerfd");
    if (inotify_add_watch(inotify_.get(), state_dir.c_str(), IN_CREATE | IN_DELETE) < 0) {
      Die("watching " + state_dir);
    }
    for (int fd : {stop_.get(), tick_.get(), inotify_.get(), pipe_read_.get()}) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.fd = fd;
      if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) Die("epoll_ctl");
    }
    thread_ = std::thread([this] { Run(); });
    NameThread(thread_, "dh-loop");
  }
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop() {
    std::uint64_t one = 1;
    if (write(stop_.get(), &one, sizeof one) != sizeof one) std::abort();
    thread_.join();
  }

  // Hands a line to the loop thread, which writes it to the log.
  void Post(const std::string& line) {
    if (!WriteAll(pipe_write_.get(), line + "\n")) Die("writing to the pipe");
  }

 private:
  void Run() {
    WriteAll(log_fd_, "loop started\n");
    for (;;) {
      epoll_event events[4];
      int n = epoll_wait(epoll_.get(), events, 4, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Die("epoll_wait");
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        char buffer[4096];
        if (fd == stop_.get()) {
          WriteAll(log_fd_, "loop stopped\n");
          return;
        }
        ssize_t got = read(fd, buffer, sizeof buffer);
        if (fd == pipe_read_.get() && got > 0) {
          WriteAll(log_fd_, std::string_view(buffer, static_cast<std::size_t>(got)));
        } else if (fd == inotify_.get() && got > 0) {
          WriteAll(log_fd_, "state dir changed\n");
        }
      }
    }
  }

  const int log_fd_;  // owned by main; outlives the loop
  Fd epoll_;
  Fd stop_;  // written once, by the destructor
  Fd tick_;
  Fd inotify_;
  Fd pipe_read_;
  Fd pipe_write_;
  std::thread thread_;  // joined by the destructor
};

// A worker thread waiting for jobs that never come; stopped and joined by the destructor.
class Pool {
 public:
  Pool() {
    thread_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_; });
    });
    NameThread(thread_, "dh-pool");
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

// "more": what a leaky library does on each request. Returns the answer line.
std::string LeakMore(const std::string& helper_path, const sockaddr_in& listener, int round) {
  // 1. A helper that does not exist, spawned the way a library with pidfd support does it.
  pid_t child = fork();
  if (child < 0) return std::string("error fork: ") + std::strerror(errno);
  if (child == 0) {
    // Only async-signal-safe calls here: another thread may hold a lock at the fork.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // exec keeps the mask; a helper needs SIGTERM
    char* const argv[] = {const_cast<char*>(helper_path.c_str()), nullptr};
    execv(helper_path.c_str(), argv);
    _exit(127);  // "command not found"
  }
  // Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" and so cannot link from C++.
  // A zombie is still a process, so this cannot miss the child.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
  if (pidfd < 0) return std::string("error pidfd_open: ") + std::strerror(errno);
  siginfo_t info{};
  if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED) != 0) {
    return std::string("error waitid: ") + std::strerror(errno);
  }
  // The bug: the child is reaped, but `pidfd` is never closed.

  // 2. A retry thread that waits for a helper that will never come.
  std::promise<pid_t> tid_promise;
  std::future<pid_t> tid = tid_promise.get_future();
  std::thread retry([&tid_promise] {
    tid_promise.set_value(gettid());
    for (;;) pause();
  });
  NameThread(retry, "dh-retry-" + std::to_string(round));
  retry.detach();

  // 3. A connection that nobody closes (non-blocking: never waits, even with a full backlog).
  int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (tcp < 0) return std::string("error socket: ") + std::strerror(errno);
  if (connect(tcp, reinterpret_cast<const sockaddr*>(&listener), sizeof listener) != 0 &&
      errno != EINPROGRESS) {
    return std::string("error connect: ") + std::strerror(errno);
  }

  return "leaked pidfd " + std::to_string(pidfd) + " (helper " + std::to_string(child) +
         " exited " + std::to_string(info.si_status) + "), tcp " + std::to_string(tcp) +
         ", thread " + std::to_string(tid.get());
}

// The helper lives next to our own binary (as an installed helper would); it is never built.
std::string HelperPath() {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "/nonexistent/demo-holder-helper";
  std::string path(self, static_cast<std::size_t>(n));
  return path.substr(0, path.rfind('/') + 1) + "demo-holder-helper";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2) {
    std::fprintf(stderr, "usage: demo-holder [STATE_DIR]\n");
    return 2;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the script that started us
  EnsureStandardFds();
  signal(SIGPIPE, SIG_IGN);  // a reader that has gone shows up as EPIPE: we then exit

  // Blocked before any thread starts, so that every thread inherits the mask and only the
  // signalfd sees these signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0) Die("blocking signals");
  Fd signals = Must(signalfd(-1, &stop_signals, SFD_CLOEXEC), "creating the signalfd");

  bool own_state_dir = argc < 2;
  std::string state_dir;
  if (own_state_dir) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/demo-holder.XXXXXX";
    if (!mkdtemp(pattern.data())) Die("creating a directory in " + pattern);
    state_dir = pattern;
  } else {
    state_dir = argv[1];
    if (mkdir(state_dir.c_str(), 0700) != 0 && errno != EEXIST) Die("creating " + state_dir);
  }
  const std::string log_path = state_dir + "/holder.log";

  {
    Fd dir =
        Must(open(state_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), "opening " + state_dir);
    Fd log = Must(open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600),
                  "opening " + log_path);
    Fd self = Must(open("/proc/self/exe", O_RDONLY | O_CLOEXEC), "opening our executable");
    Fd null = Must(open("/dev/null", O_RDWR | O_CLOEXEC), "opening /dev/null");
    Fd cache = Must(memfd_create("demo-holder-cache", MFD_CLOEXEC), "creating the memfd");
    if (ftruncate(cache.get(), 64 * 1024) != 0) Die("sizing the memfd");
    sockaddr_in listener_address{};
    Fd listener = TcpListener(listener_address);
    EventLoop loop(log.get(), state_dir);
    Pool pool;
    const std::string helper_path = HelperPath();

    loop.Post("listening on 127.0.0.1:" + std::to_string(ntohs(listener_address.sin_port)));
    if (!Reply("ready " + std::to_string(getpid()))) Die("writing to stdout");

    std::string pending;  // stdin read but not yet a whole line
    int rounds = 0;
    for (bool running = true; running;) {
      pollfd watched[] = {{STDIN_FILENO, POLLIN, 0}, {signals.get(), POLLIN, 0}};
      if (poll(watched, 2, -1) < 0) {
        if (errno == EINTR) continue;
        Die("poll");
      }
      if (watched[1].revents & POLLIN) {
        signalfd_siginfo info{};
        if (read(signals.get(), &info, sizeof info) == sizeof info) {
          loop.Post(std::string("stopping on ") + sigabbrev_np(static_cast<int>(info.ssi_signo)));
        }
        break;
      }
      if (watched[0].revents == 0) continue;
      char buffer[1024];
      ssize_t got = read(STDIN_FILENO, buffer, sizeof buffer);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;  // EOF (or an error): the parent is done with us
      pending.append(buffer, static_cast<std::size_t>(got));
      for (std::size_t end; running && (end = pending.find('\n')) != std::string::npos;) {
        std::string line = pending.substr(0, end);
        pending.erase(0, end + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::string answer;
        if (line == "more") {
          answer = LeakMore(helper_path, listener_address, ++rounds);
          loop.Post(answer);
        } else if (line == "quit") {
          answer = "bye";
          running = false;
        } else {
          answer = "error unknown command \"" + line + "\" (try: more, quit)";
        }
        if (!Reply(answer)) running = false;
      }
      if (running && pending.size() > kMaxLine) {  // no newline in sight: not a command
        pending.clear();
        if (!Reply("error line too long (try: more, quit)")) running = false;
      }
    }
    // Leaving the scope stops and joins the loop and the pool, then closes what we own. The
    // leaked retry threads are ended by exit().
  }
  unlink(log_path.c_str());
  if (own_state_dir) rmdir(state_dir.c_str());
  return 0;
}
