// stack.h — the stack that created a resource: raw instruction pointers as captured, and frames
// as symbolized. Shared by every capture backend (the BPF tracker; later an LD_PRELOAD one), the
// symbolizer and the printers (bpftrace-style histograms, folded stacks, JSON).
//
//   RawStack raw = record.stack;                        // leaf first
//   Stack stack = symbolizer.Symbolize(maps, raw);      // frames, leaf first
//   for (const StackFrame& f : stack.frames) Print(f.function, f.offset);   // "open+11"
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace leakwatch {

// User-space instruction pointers, innermost (leaf) first, as a capture backend took them.
struct RawStack {
  std::vector<std::uint64_t> ips;
  // The capture saw signs of a stack cut short: a frame-pointer chain that left the stack, a
  // libc wrapper without a frame pointer it could not unwind, the capture's depth limit.
  bool truncated = false;
};

struct StackFrame {
  std::uint64_t address = 0;  // the instruction pointer
  std::string function;       // demangled ("spawn_renderer(char const*)"); empty when unknown
  std::uint64_t offset = 0;   // address - the function's start, when function is known
  std::string module;         // the ELF file it is in ("/usr/lib/x86_64-linux-gnu/libc.so.6")
  std::string file;           // source file from DWARF line info; empty without it
  int line = 0;               // 0 without line info
};

struct Stack {
  std::vector<StackFrame> frames;  // leaf first
  bool truncated = false;          // as RawStack::truncated
};

}  // namespace leakwatch
