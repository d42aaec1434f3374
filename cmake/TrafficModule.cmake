# traffic_module(NAME SOURCES a.cc ... DEPS traffic_core ... TESTS a_test.cc ...)
# One folder = one namespace traffic::NAME = one library target traffic_NAME, with its unit
# tests in one binary traffic_NAME_test (registered with CTest test by test), linked with the
# test support library traffic_testing (src/traffic/testing: ASSERT_OK, TempDir, an in-memory
# file system). TRAFFIC_TESTDATA_DIR is the module's testdata/ folder (committed fixtures), when it has one.
function(traffic_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;TESTS" ${ARGN})
  add_library(traffic_${name} STATIC ${M_SOURCES})
  target_include_directories(traffic_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(traffic_${name} PUBLIC ${M_DEPS} PRIVATE traffic_warnings)
  if(TRAFFIC_BUILD_TESTS AND M_TESTS)
    add_executable(traffic_${name}_test ${M_TESTS})
    target_link_libraries(traffic_${name}_test PRIVATE traffic_${name} traffic_testing
      GTest::gtest GTest::gtest_main traffic_warnings)
    target_compile_definitions(traffic_${name}_test PRIVATE
      TRAFFIC_SHARED_DIR="${TRAFFIC_SHARED_DIR}")
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/testdata)  # only there: a per-checkout path defeats ccache
      target_compile_definitions(traffic_${name}_test PRIVATE
        TRAFFIC_TESTDATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/testdata")
    endif()
    gtest_discover_tests(traffic_${name}_test DISCOVERY_TIMEOUT 60
      PROPERTIES LABELS unit)
  endif()
endfunction()
