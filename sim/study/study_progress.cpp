#include "sim/study/study_progress.h"

#include <cstdio>
#include <string>

#include <unistd.h>

namespace lvsim {

namespace {

std::string duration_text(double s) {
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%dh%02dm", int(s / 3600), int(s / 60) % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%dm%02ds", int(s / 60), int(s) % 60);
  else
    std::snprintf(buf, sizeof buf, "%.0fs", s);
  return buf;
}

}  // namespace

StudyProgress::StudyProgress(bool quiet, int64_t images_per_point)
    : quiet_(quiet),
      tty_(::isatty(2) != 0),
      images_per_point_(images_per_point),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double StudyProgress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void StudyProgress::point_done() {
  ++done_;
  draw(false);
}

void StudyProgress::draw(bool force) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  // A terminal redraws often; a log file gets a line every 5 s so it stays readable.
  const double every_s = tty_ ? 0.2 : 5.0;
  if (!force && std::chrono::duration<double>(now - last_draw_).count() < every_s) return;
  last_draw_ = now;
  const double t = elapsed_s();
  const double rate = t > 0 ? double(done_) / t : 0;  // points per second
  const std::string eta = rate > 0 && total_ > done_ ? duration_text(double(total_ - done_) / rate) : "-";
  const double images_s = rate * double(images_per_point_);
  if (tty_) {
    const int width = 30;
    const int fill = total_ > 0 ? int(double(width) * double(done_) / double(total_)) : 0;
    std::string bar(size_t(fill), '#');
    bar.resize(size_t(width), '.');
    std::fprintf(stderr, "\r[%s] %lld/%lld points  %.0f images/s  ETA %s   ", bar.c_str(),
                 static_cast<long long>(done_), static_cast<long long>(total_), images_s, eta.c_str());
  } else {
    std::fprintf(stderr, "sweep: %lld/%lld points, %.0f images/s, elapsed %s, ETA %s\n", static_cast<long long>(done_),
                 static_cast<long long>(total_), images_s, duration_text(t).c_str(), eta.c_str());
  }
  std::fflush(stderr);
}

void StudyProgress::finish() {
  if (quiet_ || !tty_) return;
  std::fprintf(stderr, "\r%90s\r", "");
  std::fflush(stderr);
}

}  // namespace lvsim
