// The plain C++ Verilator loop of Scripts/bench-peers, one build per design (MODEL / MODEL_H
// name the Verilated class): per cycle write every input (rst for 4 cycles, random operands,
// every row valid, a last beat every 1000th cycle, rd_row sweeping the rows), clock low + eval,
// read rd_data and tile_done into a running FNV-1a hash, clock high + eval. Prints the hash
// (equal for builds that compute the same outputs) and the loop's cycles per second.
#include <verilated.h>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include MODEL_H

static uint64_t state = 12345;
static uint64_t splitmix() {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

int main(int argc, char** argv) {
  long cycles = argc > 1 ? atol(argv[1]) : 100000;
  VerilatedContext context;
  MODEL* top = new MODEL{&context};
  uint64_t hash = 1469598103934665603ULL;
  auto start = std::chrono::steady_clock::now();
  for (long c = 0; c < cycles; c++) {
    top->rst = c < 4;
    for (int i = 0; i < 4; i++) {
      top->in_row[i] = (uint32_t)splitmix();
      top->in_col[i] = (uint32_t)splitmix();
    }
    top->in_valid = 0xFFFF;
    top->in_last = (c % 1000 == 999) ? 0xFFFF : 0;
    top->rd_row = c & 15;
    top->clk = 0;
    top->eval();
    for (int i = 0; i < 16; i++) hash = (hash ^ top->rd_data[i]) * 1099511628211ULL;
    hash = (hash ^ top->tile_done) * 1099511628211ULL;
    top->clk = 1;
    top->eval();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  printf("%016llx %.6f\n", (unsigned long long)hash, cycles / seconds / 1e6);
  delete top;
  return 0;
}
