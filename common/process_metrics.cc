#include "common/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

// jemalloc's control interface, when the binary links jemalloc (the servers do); null
// otherwise (tests, tools), and the allocator gauges are then left out.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace common {
namespace {

// jemalloc's statistics, refreshed: allocated (live heap), active (pages holding it),
// resident (pages the allocator keeps mapped, incl. its own metadata and dirty pages).
struct HeapStats {
  double allocated = 0;
  double active = 0;
  double resident = 0;
  double metadata = 0;
  double dirty = 0;  // freed pages not yet returned to the system (all arenas)
  double muzzy = 0;  // pages returned lazily (MADV_FREE): the kernel may still count them
  double thread_cache = 0;  // freed objects the threads' caches hold (counted in allocated)
};

bool ReadHeapStats(HeapStats* out) {
  if (mallctl == nullptr) return false;
  uint64_t epoch = 1;
  size_t epoch_size = sizeof(epoch);
  if (mallctl("epoch", &epoch, &epoch_size, &epoch, epoch_size) != 0) return false;
  auto read = [](const char* name, double* value) {
    size_t v = 0;
    size_t size = sizeof(v);
    if (mallctl(name, &v, &size, nullptr, 0) != 0) return false;
    *value = static_cast<double>(v);
    return true;
  };
  if (!read("stats.allocated", &out->allocated) || !read("stats.active", &out->active) ||
      !read("stats.resident", &out->resident) || !read("stats.metadata", &out->metadata)) {
    return false;
  }
  // Page counts summed over all arenas (MALLCTL_ARENAS_ALL is 4096).
  double page = 0;
  if (read("arenas.page", &page) && read("stats.arenas.4096.pdirty", &out->dirty) &&
      read("stats.arenas.4096.pmuzzy", &out->muzzy)) {
    out->dirty *= page;
    out->muzzy *= page;
  }
  read("stats.arenas.4096.tcache_bytes", &out->thread_cache);
  return true;
}

struct ProcStat {
  double cpu_seconds = 0;
  double start_time_seconds = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
  double threads = 0;
};

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("btime ", 0) == 0) {
      double btime = 0;
      return absl::SimpleAtod(line.substr(6), &btime) ? btime : 0;
    }
  }
  return 0;
}

// /proc/self/stat: fields after the ")" that ends the command name (which may hold spaces).
ProcStat ReadProcStat() {
  ProcStat stat;
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) {
    return stat;
  }
  std::vector<std::string> fields = absl::StrSplit(text.substr(paren + 2), ' ', absl::SkipEmpty());
  // fields[0] is field 3 (state): field N is fields[N - 3].
  auto field = [&](int n) {
    double v = 0;
    return n - 3 < static_cast<int>(fields.size()) && absl::SimpleAtod(fields[n - 3], &v) ? v : 0.0;
  };
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  stat.cpu_seconds = (field(14) + field(15)) / ticks;                            // utime + stime
  stat.threads = field(20);                                                      // num_threads
  stat.start_time_seconds = BootTimeSeconds() + field(22) / ticks;               // starttime
  stat.virtual_bytes = field(23);                                                // vsize
  stat.resident_bytes = field(24) * static_cast<double>(sysconf(_SC_PAGESIZE));  // rss
  return stat;
}

double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return 0;
  }
  double n = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') {
      ++n;
    }
  }
  closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

double MaxFds() {
  rlimit limit{};
  return getrlimit(RLIMIT_NOFILE, &limit) == 0 ? static_cast<double>(limit.rlim_cur) : 0;
}

MetricFamily GaugeFamily(const char* name, const char* help, double value) {
  return {name, help, MetricType::kGauge, {{"", {}, value}}};
}

}  // namespace

MetricsRegistration RegisterProcessMetrics(MetricsRegistry* registry, absl::string_view service,
                                           absl::string_view version) {
  MetricLabels build = {{"service", std::string(service)}, {"version", std::string(version)}};
  return registry->AddCollector([build] {
    const ProcStat stat = ReadProcStat();
    std::vector<MetricFamily> families = {
        GaugeFamily("process_resident_memory_bytes", "Resident memory size in bytes.",
                    stat.resident_bytes),
        GaugeFamily("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                    stat.virtual_bytes),
        GaugeFamily("process_open_fds", "Number of open file descriptors.", OpenFds()),
        GaugeFamily("process_max_fds", "Maximum number of open file descriptors.", MaxFds()),
        GaugeFamily("process_start_time_seconds", "Start time of the process since the Unix epoch.",
                    stat.start_time_seconds),
        GaugeFamily("process_threads", "Number of OS threads in the process.", stat.threads),
    };
    HeapStats heap;
    if (ReadHeapStats(&heap)) {
      families.push_back(GaugeFamily("dangbo_heap_allocated_bytes",
                                     "Bytes the program has allocated and not freed (jemalloc).",
                                     heap.allocated));
      families.push_back(GaugeFamily("dangbo_heap_active_bytes",
                                     "Bytes in pages holding live allocations (jemalloc).",
                                     heap.active));
      families.push_back(GaugeFamily(
          "dangbo_heap_resident_bytes",
          "Bytes the allocator keeps resident: live pages, dirty pages not yet returned, metadata "
          "(jemalloc).",
          heap.resident));
      families.push_back(GaugeFamily("dangbo_heap_metadata_bytes",
                                     "Bytes of the allocator's own metadata (jemalloc).",
                                     heap.metadata));
      families.push_back(GaugeFamily(
          "dangbo_heap_dirty_bytes",
          "Bytes in freed pages the allocator has not yet returned to the system (jemalloc).",
          heap.dirty));
      families.push_back(GaugeFamily(
          "dangbo_heap_muzzy_bytes",
          "Bytes in pages returned lazily (MADV_FREE); the kernel counts them as resident until "
          "it needs them (jemalloc).",
          heap.muzzy));
      families.push_back(GaugeFamily(
          "dangbo_heap_thread_cache_bytes",
          "Bytes of freed objects the threads' caches hold for reuse; counted in "
          "dangbo_heap_allocated_bytes (jemalloc).",
          heap.thread_cache));
    }
    families.push_back({"process_cpu_seconds_total",
                        "User and system CPU time, in seconds.",
                        MetricType::kCounter,
                        {{"", {}, stat.cpu_seconds}}});
    families.push_back({"dangbo_build_info",
                        "Always 1; the labels name the service and its version.",
                        MetricType::kGauge,
                        {{"", build, 1}}});
    return families;
  });
}

}  // namespace common
