#include "store/wal_coalescing_vfs.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace rapport::store {
namespace {

// Held bytes are written once this many have gathered, whatever comes next: a large
// transaction (a bulk import spilling its cache) holds little memory.
constexpr std::size_t kMostHeld = std::size_t{1} << 20;

struct Vfs {
  sqlite3_vfs vfs;  // first: SQLite knows this object by its address
  sqlite3_vfs* base;
  std::string name;
};

sqlite3_vfs* BaseOf(sqlite3_vfs* vfs) { return reinterpret_cast<Vfs*>(vfs)->base; }

// A WAL file: this header, then the base VFS's own file object at kRealOffset.
struct WalFile {
  sqlite3_file file;  // first: its pMethods are this VFS's
  sqlite3_file* real;
  std::vector<char>* held;  // owned: written here, not yet to `real`
  sqlite3_int64 held_at;    // the file offset of the first held byte
};
constexpr int kRealOffset = (sizeof(WalFile) + 15) & ~15;

WalFile* Wal(sqlite3_file* file) { return reinterpret_cast<WalFile*>(file); }
const sqlite3_io_methods& RealMethods(sqlite3_file* file) { return *Wal(file)->real->pMethods; }

// SQLite's unix VFS writes at most 128 KiB - 1 bytes per call (larger ones it cuts short
// and reports as a full disk): the held bytes go in pieces of 64 KiB.
constexpr std::size_t kMostPerWrite = std::size_t{1} << 16;

int WriteHeld(WalFile* f) {
  const std::vector<char>& held = *f->held;
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < held.size() && rc == SQLITE_OK; done += kMostPerWrite) {
    const std::size_t size = std::min(kMostPerWrite, held.size() - done);
    rc = f->real->pMethods->xWrite(f->real, held.data() + done, static_cast<int>(size),
                                   f->held_at + static_cast<sqlite3_int64>(done));
  }
  f->held->clear();  // on failure too: SQLite fails the transaction, whose frames are void
  return rc;
}

int Close(sqlite3_file* file) {
  WalFile* f = Wal(file);
  const int written = WriteHeld(f);
  const int closed = f->real->pMethods->xClose(f->real);
  delete f->held;
  f->held = nullptr;
  return written != SQLITE_OK ? written : closed;
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  WalFile* f = Wal(file);
  std::vector<char>& held = *f->held;
  const char* bytes = static_cast<const char*>(data);
  const sqlite3_int64 end = f->held_at + static_cast<sqlite3_int64>(held.size());
  // SQLite rewrites a frame of the open transaction in place when its page changes again.
  if (!held.empty() && offset >= f->held_at && offset + amount <= end) {
    std::memcpy(held.data() + (offset - f->held_at), bytes, static_cast<std::size_t>(amount));
    return SQLITE_OK;
  }
  if (held.empty() || offset != end) {
    if (const int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
    f->held_at = offset;
  }
  try {
    held.insert(held.end(), bytes, bytes + amount);
  } catch (const std::bad_alloc&) {
    // Written at once instead, after what was held before it.
    if (const int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
    return f->real->pMethods->xWrite(f->real, data, amount, offset);
  }
  return held.size() >= kMostHeld ? WriteHeld(f) : SQLITE_OK;
}

// Every other use of the file sees what was written through it: the held bytes go first.
int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  if (const int rc = WriteHeld(Wal(file)); rc != SQLITE_OK) return rc;
  return RealMethods(file).xRead(Wal(file)->real, out, amount, offset);
}
int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (const int rc = WriteHeld(Wal(file)); rc != SQLITE_OK) return rc;
  return RealMethods(file).xTruncate(Wal(file)->real, size);
}
int Sync(sqlite3_file* file, int flags) {
  if (const int rc = WriteHeld(Wal(file)); rc != SQLITE_OK) return rc;
  return RealMethods(file).xSync(Wal(file)->real, flags);
}
int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  if (const int rc = WriteHeld(Wal(file)); rc != SQLITE_OK) return rc;
  return RealMethods(file).xFileSize(Wal(file)->real, size);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  if (const int rc = WriteHeld(Wal(file)); rc != SQLITE_OK) return rc;
  return RealMethods(file).xFileControl(Wal(file)->real, op, arg);
}

// The rest is the base file's.
int Lock(sqlite3_file* file, int level) { return RealMethods(file).xLock(Wal(file)->real, level); }
int Unlock(sqlite3_file* file, int level) {
  return RealMethods(file).xUnlock(Wal(file)->real, level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  return RealMethods(file).xCheckReservedLock(Wal(file)->real, out);
}
int SectorSize(sqlite3_file* file) { return RealMethods(file).xSectorSize(Wal(file)->real); }
int DeviceCharacteristics(sqlite3_file* file) {
  return RealMethods(file).xDeviceCharacteristics(Wal(file)->real);
}
int ShmMap(sqlite3_file* file, int page, int page_size, int extend, void volatile** out) {
  return RealMethods(file).xShmMap(Wal(file)->real, page, page_size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return RealMethods(file).xShmLock(Wal(file)->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { RealMethods(file).xShmBarrier(Wal(file)->real); }
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  return RealMethods(file).xShmUnmap(Wal(file)->real, delete_flag);
}
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  if (const int rc = WriteHeld(Wal(file)); rc != SQLITE_OK) return rc;
  return RealMethods(file).xFetch(Wal(file)->real, offset, amount, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* p) {
  return RealMethods(file).xUnfetch(Wal(file)->real, offset, p);
}

// The methods of a WAL file whose base file has methods of `version` (1 to 3): SQLite
// reads which optional methods exist from iVersion.
constexpr sqlite3_io_methods MethodsOfVersion(int version) {
  return {version,
          Close,
          Read,
          Write,
          Truncate,
          Sync,
          FileSize,
          Lock,
          Unlock,
          CheckReservedLock,
          FileControl,
          SectorSize,
          DeviceCharacteristics,
          version >= 2 ? ShmMap : nullptr,
          version >= 2 ? ShmLock : nullptr,
          version >= 2 ? ShmBarrier : nullptr,
          version >= 2 ? ShmUnmap : nullptr,
          version >= 3 ? Fetch : nullptr,
          version >= 3 ? Unfetch : nullptr};
}
constexpr sqlite3_io_methods kWalMethods[] = {MethodsOfVersion(1), MethodsOfVersion(2),
                                              MethodsOfVersion(3)};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* base = BaseOf(vfs);
  // Any other file is the base VFS's alone, opened in place: no cost on its calls.
  if (!(flags & SQLITE_OPEN_WAL)) return base->xOpen(base, name, file, flags, out_flags);
  WalFile* f = Wal(file);
  f->file.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  f->real->pMethods = nullptr;
  int rc = base->xOpen(base, name, f->real, flags, out_flags);
  if (rc == SQLITE_OK) {
    f->held = new (std::nothrow) std::vector<char>();
    if (!f->held) rc = SQLITE_NOMEM;
  }
  if (rc != SQLITE_OK) {
    // SQLite closes only a file whose pMethods are set; this one's are not.
    if (f->real->pMethods) f->real->pMethods->xClose(f->real);
    return rc;
  }
  f->held_at = 0;
  const int version = std::clamp(f->real->pMethods->iVersion, 1, 3);
  f->file.pMethods = &kWalMethods[version - 1];
  return SQLITE_OK;
}

// The VFS's other methods are the base's.
int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return BaseOf(vfs)->xDelete(BaseOf(vfs), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return BaseOf(vfs)->xAccess(BaseOf(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return BaseOf(vfs)->xFullPathname(BaseOf(vfs), name, size, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) { return BaseOf(vfs)->xDlOpen(BaseOf(vfs), name); }
void DlError(sqlite3_vfs* vfs, int size, char* out) {
  BaseOf(vfs)->xDlError(BaseOf(vfs), size, out);
}
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return BaseOf(vfs)->xDlSym(BaseOf(vfs), handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) { BaseOf(vfs)->xDlClose(BaseOf(vfs), handle); }
int Randomness(sqlite3_vfs* vfs, int size, char* out) {
  return BaseOf(vfs)->xRandomness(BaseOf(vfs), size, out);
}
int Sleep(sqlite3_vfs* vfs, int microseconds) {
  return BaseOf(vfs)->xSleep(BaseOf(vfs), microseconds);
}
int CurrentTime(sqlite3_vfs* vfs, double* out) {
  return BaseOf(vfs)->xCurrentTime(BaseOf(vfs), out);
}
int GetLastError(sqlite3_vfs* vfs, int size, char* out) {
  return BaseOf(vfs)->xGetLastError(BaseOf(vfs), size, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return BaseOf(vfs)->xCurrentTimeInt64(BaseOf(vfs), out);
}
int SetSystemCall(sqlite3_vfs* vfs, const char* name, sqlite3_syscall_ptr call) {
  return BaseOf(vfs)->xSetSystemCall(BaseOf(vfs), name, call);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs* vfs, const char* name) {
  return BaseOf(vfs)->xGetSystemCall(BaseOf(vfs), name);
}
const char* NextSystemCall(sqlite3_vfs* vfs, const char* name) {
  return BaseOf(vfs)->xNextSystemCall(BaseOf(vfs), name);
}

}  // namespace

sqlite3_vfs* RegisterWalCoalescingVfs(const char* name, sqlite3_vfs* base) {
  static std::mutex registering;
  std::lock_guard lock(registering);
  if (sqlite3_vfs* found = sqlite3_vfs_find(name)) return found;
  if (!base) base = sqlite3_vfs_find(nullptr);
  if (!base) return nullptr;
  // Registered for the life of the process: SQLite keeps the pointer.
  auto* shim = new Vfs{{}, base, name};
  const int version = std::min(base->iVersion, 3);  // SQLite reads which methods exist
  shim->vfs = {
      .iVersion = version,
      .szOsFile = kRealOffset + base->szOsFile,
      .mxPathname = base->mxPathname,
      .pNext = nullptr,
      .zName = shim->name.c_str(),
      .pAppData = nullptr,
      .xOpen = Open,
      .xDelete = Delete,
      .xAccess = Access,
      .xFullPathname = FullPathname,
      .xDlOpen = DlOpen,
      .xDlError = DlError,
      .xDlSym = DlSym,
      .xDlClose = DlClose,
      .xRandomness = Randomness,
      .xSleep = Sleep,
      .xCurrentTime = CurrentTime,
      .xGetLastError = GetLastError,
      .xCurrentTimeInt64 = version >= 2 ? CurrentTimeInt64 : nullptr,
      .xSetSystemCall = version >= 3 ? SetSystemCall : nullptr,
      .xGetSystemCall = version >= 3 ? GetSystemCall : nullptr,
      .xNextSystemCall = version >= 3 ? NextSystemCall : nullptr,
  };
  if (sqlite3_vfs_register(&shim->vfs, /*makeDflt=*/0) != SQLITE_OK) {
    delete shim;
    return nullptr;
  }
  return &shim->vfs;
}

}  // namespace rapport::store
