// The data directory's advisory lock: `serve`, `demo` and `import` each hold an exclusive
// flock(2) on <data dir>/rapport.lock for their lifetime, so that a bulk writer never runs
// beside a server on the same store (whose projections would not see its writes). The
// kernel drops the lock when the process ends, however it ends (kill -9 included).
#pragma once

#include <string>

#include "core/error.hpp"

namespace rapport::cli {

class DataLock {
 public:
  // Takes the lock without waiting; kConflict when another process holds it.
  static Result<DataLock> Acquire(const std::string& data_dir);
  DataLock(DataLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataLock& operator=(DataLock&&) = delete;
  ~DataLock();

 private:
  explicit DataLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace rapport::cli
