# `cmake --install` puts valley into a prefix: the library (libvalley.a), its
# public headers under include/valley, the valley command, the CMake package
# (find_package(valley CONFIG REQUIRED) → valley::valley) and, when built,
# the Python module (python/CMakeLists.txt). docs/LIBRARY.md shows its use.
include(CMakePackageConfigHelpers)

set(VALLEY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/valley)

install(TARGETS valley_lib EXPORT valleyTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS valley RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The public API: valley.h and every valley header it includes, directly or
# not (found here by following the includes, so the list cannot go stale).
# Kernel bodies, the command line's flags and other helpers stay behind.
set(_valley_public valley/valley.h)
set(_valley_todo valley/valley.h)
while(_valley_todo)
  list(POP_FRONT _valley_todo _valley_header)
  file(STRINGS ${PROJECT_SOURCE_DIR}/src/${_valley_header} _valley_includes
       REGEX "^[ \t]*#[ \t]*include[ \t]+\"valley/")
  # An edit of a public header's includes configures again.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${PROJECT_SOURCE_DIR}/src/${_valley_header})
  foreach(_valley_line IN LISTS _valley_includes)
    string(REGEX REPLACE ".*\"(valley/[^\"]+)\".*" "\\1" _valley_included "${_valley_line}")
    if(NOT _valley_included IN_LIST _valley_public)
      list(APPEND _valley_public ${_valley_included})
      list(APPEND _valley_todo ${_valley_included})
    endif()
  endforeach()
endwhile()
foreach(_valley_header IN LISTS _valley_public)
  get_filename_component(_valley_dir ${_valley_header} DIRECTORY)
  install(FILES ${PROJECT_SOURCE_DIR}/src/${_valley_header}
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${_valley_dir})
endforeach()
list(LENGTH _valley_public _valley_n_public)
message(STATUS "valley: ${_valley_n_public} public headers (the closure of valley/valley.h)")
install(EXPORT valleyTargets NAMESPACE valley:: DESTINATION ${VALLEY_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/valleyConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/valleyConfig.cmake
                              INSTALL_DESTINATION ${VALLEY_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/valleyConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/valleyConfig.cmake ${PROJECT_BINARY_DIR}/valleyConfigVersion.cmake
        DESTINATION ${VALLEY_CMAKE_DIR})

# Eigen's heap alignment follows the instruction set a file is compiled for
# (64 bytes with AVX-512, 16 without), and memory Eigen allocates in one file
# is freed in another: a consumer compiled without -march=native would free
# the library's vectors with the wrong allocator. The installed package
# therefore pins the alignment valley itself was compiled with.
string(TOUPPER "${CMAKE_BUILD_TYPE}" _valley_build_type)
file(WRITE ${PROJECT_BINARY_DIR}/eigen_align/eigen_align.cpp
     "#include <cstdio>\n#include <Eigen/Core>\nint main() { std::printf(\"%d\", EIGEN_MAX_ALIGN_BYTES); }\n")
separate_arguments(_valley_flags UNIX_COMMAND
                   "${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${_valley_build_type}}")
try_run(_valley_align_run _valley_align_compiled ${PROJECT_BINARY_DIR}/eigen_align
        ${PROJECT_BINARY_DIR}/eigen_align/eigen_align.cpp
        COMPILE_DEFINITIONS ${_valley_flags}
        LINK_LIBRARIES Eigen3::Eigen
        RUN_OUTPUT_VARIABLE VALLEY_EIGEN_MAX_ALIGN_BYTES)
if(NOT _valley_align_compiled OR NOT _valley_align_run EQUAL 0
   OR NOT VALLEY_EIGEN_MAX_ALIGN_BYTES MATCHES "^[0-9]+$")
  message(FATAL_ERROR "could not determine Eigen's alignment for valley's compiler flags")
endif()
message(STATUS "valley: Eigen aligns to ${VALLEY_EIGEN_MAX_ALIGN_BYTES} bytes (pinned for consumers)")
target_compile_definitions(valley_lib INTERFACE
  $<INSTALL_INTERFACE:EIGEN_MAX_ALIGN_BYTES=${VALLEY_EIGEN_MAX_ALIGN_BYTES}>)
