# Checks over the whole configured tree, run once at the end of the top-level CMakeLists.txt:
#   - every target of ours links traffic_warnings (the project's warning flags, -Werror in the
#     ci preset), so no target is built with fewer warnings by accident;
#   - nothing disappears silently: every src/**/*_test.cc and tests/*_test.cc is compiled into
#     some test binary, and no module is left out (TRAFFIC_SKIP_MODULES). What is left out is named
#     by the CTest test BuildIsComplete (label unit), which then fails: a partial build can be
#     built and tested while working, but never passes as the full suite.

# The targets defined in DIR and its subdirectories, in OUT.
function(traffic_all_targets dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    traffic_all_targets(${sub} sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(traffic_check_tree)
  traffic_all_targets(${PROJECT_SOURCE_DIR} targets)
  set(compiled "")
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "INTERFACE_LIBRARY" OR type STREQUAL "UTILITY")
      continue()
    endif()
    get_target_property(libs ${t} LINK_LIBRARIES)
    if(NOT "traffic_warnings" IN_LIST libs)
      message(FATAL_ERROR "target ${t} does not link traffic_warnings: add "
                          "target_link_libraries(${t} PRIVATE traffic_warnings)")
    endif()
    get_target_property(dir ${t} SOURCE_DIR)
    get_target_property(sources ${t} SOURCES)
    foreach(s IN LISTS sources)
      get_filename_component(s "${s}" ABSOLUTE BASE_DIR "${dir}")
      list(APPEND compiled "${s}")
    endforeach()
  endforeach()

  get_property(left_out GLOBAL PROPERTY TRAFFIC_LEFT_OUT)
  if(TRAFFIC_BUILD_TESTS)
    file(GLOB_RECURSE test_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/*_test.cc
         ${PROJECT_SOURCE_DIR}/tests/*_test.cc)
    foreach(f IN LISTS test_files)
      if(NOT f IN_LIST compiled)
        file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${f})
        list(APPEND left_out "${rel}")
      endif()
    endforeach()
    if(left_out)
      list(JOIN left_out ", " text)
      message(WARNING "left out of this build: ${text}; the test BuildIsComplete fails")
      add_test(NAME BuildIsComplete COMMAND sh -c "echo 'left out of this build: ${text}'; exit 1")
    else()
      add_test(NAME BuildIsComplete COMMAND sh -c "echo 'every module and test file is built'")
    endif()
    set_tests_properties(BuildIsComplete PROPERTIES LABELS unit)
  endif()
endfunction()
