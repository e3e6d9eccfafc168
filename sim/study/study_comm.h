// How the processes of one study talk: a single process, or MPI ranks (`mpirun -n N lvsim sweep`)
// where rank 0 owns the journal and the outputs and the others send it their finished points.
#pragma once

#include <memory>
#include <string>

namespace lvsim {

class StudyComm {
 public:
  virtual ~StudyComm() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Rank 0's `text` to every rank (collective).
  virtual void broadcast(std::string& text) = 0;
  /// A worker's message to rank 0 (not on rank 0).
  virtual void send_to_root(const std::string& text) = 0;
  /// Rank 0: the next message from any worker; false if none is waiting and `wait` is false.
  virtual bool receive_from_worker(std::string& text, bool wait) = 0;
  /// Ends every rank after an error that only some ranks saw.
  [[noreturn]] virtual void abort(int exit_code) = 0;
};

/// MPI when the process was started by an MPI launcher and lvsim was built with MPI
/// (LVSIM_MPI), one process otherwise. Initialises MPI; the destructor finalises it.
std::unique_ptr<StudyComm> make_study_comm();
/// One process, never MPI (the Python API: the interpreter is not an MPI rank).
std::unique_ptr<StudyComm> make_single_process_comm();

}  // namespace lvsim
