# Finds every outside library. Arrow/Parquet: a system install first (find_package), else the
# pyarrow wheel that scripts/setup.sh puts in ./.venv (it ships the C++ headers and libraries).
find_package(Threads REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark QUIET)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 QUIET)
find_package(simdjson REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka++)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)  # libcrypto: MD5 for HDFS file checksums

# The folder with the shared reference data (real trips and geometry), read in place.
set(TRAFFIC_SHARED_DIR "${PROJECT_SOURCE_DIR}/../shared" CACHE PATH "shared/ with data/ and DESIGN.md")

find_package(Arrow QUIET)
find_package(Parquet QUIET)
if(Arrow_FOUND AND Parquet_FOUND)
  message(STATUS "Arrow ${Arrow_VERSION} from the system")
  add_library(traffic_arrow INTERFACE)
  target_link_libraries(traffic_arrow INTERFACE Arrow::arrow_shared Parquet::parquet_shared)
else()
  set(TRAFFIC_PYARROW_DIR "" CACHE PATH "pyarrow package folder (has include/ and libarrow.so.*)")
  if(NOT TRAFFIC_PYARROW_DIR)
    file(GLOB _pyarrow_dirs "${PROJECT_SOURCE_DIR}/.venv/lib/python3*/site-packages/pyarrow")
    list(GET _pyarrow_dirs 0 TRAFFIC_PYARROW_DIR)
  endif()
  file(GLOB _libarrow "${TRAFFIC_PYARROW_DIR}/libarrow.so.[0-9]*")
  file(GLOB _libparquet "${TRAFFIC_PYARROW_DIR}/libparquet.so.[0-9]*")
  if(NOT _libarrow OR NOT _libparquet OR NOT EXISTS "${TRAFFIC_PYARROW_DIR}/include/arrow/api.h")
    message(FATAL_ERROR "Arrow C++ not found: run scripts/setup.sh (installs the pyarrow wheel into .venv)")
  endif()
  list(GET _libarrow 0 _libarrow)
  list(GET _libparquet 0 _libparquet)
  message(STATUS "Arrow from the pyarrow wheel: ${TRAFFIC_PYARROW_DIR}")
  add_library(traffic_arrow INTERFACE)
  target_include_directories(traffic_arrow SYSTEM INTERFACE "${TRAFFIC_PYARROW_DIR}/include")
  # The wheel's libarrow/libparquet export their own (older) simdjson symbols: libsimdjson must
  # come first in the link line, and so in DT_NEEDED, or our simdjson calls bind to Arrow's copy
  # and crash (see tests: StreamProcessorTest decodes JSON in a binary that also links Parquet).
  find_library(TRAFFIC_SIMDJSON_LIBRARY simdjson REQUIRED)
  target_link_libraries(traffic_arrow INTERFACE
                        -Wl,--push-state,--no-as-needed "${TRAFFIC_SIMDJSON_LIBRARY}" -Wl,--pop-state
                        "${_libarrow}" "${_libparquet}")
  target_link_options(traffic_arrow INTERFACE "-Wl,-rpath,${TRAFFIC_PYARROW_DIR}")
endif()
