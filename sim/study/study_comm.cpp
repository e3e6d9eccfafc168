#include "sim/study/study_comm.h"

#include <cstdlib>
#include <stdexcept>
#include <vector>

#ifdef LVSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace lvsim {

namespace {

class SingleProcess final : public StudyComm {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void broadcast(std::string&) override {}
  void send_to_root(const std::string&) override { throw std::logic_error("send_to_root on rank 0"); }
  bool receive_from_worker(std::string&, bool) override { return false; }
  [[noreturn]] void abort(int exit_code) override { std::exit(exit_code); }
};

#ifdef LVSIM_HAVE_MPI
constexpr int kTagPoint = 17;

class MpiComm final : public StudyComm {
 public:
  MpiComm() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiComm() override { MPI_Finalize(); }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void broadcast(std::string& text) override {
    unsigned long long n = text.size();
    MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    text.resize(size_t(n));
    if (n) MPI_Bcast(text.data(), int(n), MPI_CHAR, 0, MPI_COMM_WORLD);
  }
  void send_to_root(const std::string& text) override {
    MPI_Send(text.data(), int(text.size()), MPI_CHAR, 0, kTagPoint, MPI_COMM_WORLD);
  }
  bool receive_from_worker(std::string& text, bool wait) override {
    MPI_Status st;
    if (!wait) {
      int flag = 0;
      MPI_Iprobe(MPI_ANY_SOURCE, kTagPoint, MPI_COMM_WORLD, &flag, &st);
      if (!flag) return false;
    } else {
      MPI_Probe(MPI_ANY_SOURCE, kTagPoint, MPI_COMM_WORLD, &st);
    }
    int n = 0;
    MPI_Get_count(&st, MPI_CHAR, &n);
    text.resize(size_t(n));
    MPI_Recv(text.data(), n, MPI_CHAR, st.MPI_SOURCE, kTagPoint, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return true;
  }
  [[noreturn]] void abort(int exit_code) override {
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::exit(exit_code);
  }

 private:
  int rank_ = 0, size_ = 1;
};

/// Started by mpirun / srun (Open MPI, PMI or PMIx set these), not as a plain command.
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}
#endif

}  // namespace

std::unique_ptr<StudyComm> make_study_comm() {
#ifdef LVSIM_HAVE_MPI
  if (launched_by_mpi()) return std::make_unique<MpiComm>();
#endif
  return std::make_unique<SingleProcess>();
}

std::unique_ptr<StudyComm> make_single_process_comm() {
  return std::make_unique<SingleProcess>();
}

}  // namespace lvsim
