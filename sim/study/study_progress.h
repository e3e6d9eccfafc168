// Progress of a study on stderr: a bar with points done, effective images/s and ETA when stderr
// is a terminal, a plain line every few seconds otherwise, nothing with --quiet.
#pragma once

#include <chrono>
#include <cstdint>

namespace lvsim {

class StudyProgress {
 public:
  StudyProgress(bool quiet, int64_t images_per_point);
  /// Total points expected (may grow: adaptive chip counts add rounds).
  void set_total(int64_t points) { total_ = points; }
  /// One more point finished; redraws when due.
  void point_done();
  /// Clears the bar (terminal) before the final summary line.
  void finish();
  double elapsed_s() const;
  int64_t done() const { return done_; }
  int64_t total() const { return total_; }

 private:
  void draw(bool force);

  bool quiet_, tty_;
  int64_t images_per_point_;
  int64_t total_ = 0, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace lvsim
