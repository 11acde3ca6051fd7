# darkscope_add_test(<name> SOURCES <files...> LIBS <targets...>)
# One GoogleTest executable, registered with CTest test by test. Tests find the
# shared corpus through DARKSCOPE_CORPUS_DIR and the source tree through
# DARKSCOPE_SOURCE_DIR, and the darkscope binary as DARKSCOPE_BINARY_DIR "/darkscope"
# (all compile definitions).
function(darkscope_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} darkscope_options GTest::gtest GTest::gtest_main)
  # GCC 12 misreads std::vector comparisons at -O3 (stringop-overread): a warning only.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${name} PRIVATE -Wno-error=stringop-overread)
  endif()
  target_compile_definitions(${name} PRIVATE
    DARKSCOPE_CORPUS_DIR="${PROJECT_SOURCE_DIR}/../shared/corpus"
    DARKSCOPE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    DARKSCOPE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60)
endfunction()

# darkscope_add_fuzzer(<name> SOURCES <files...> LIBS <targets...>)
# With DARKSCOPE_FUZZ: a libFuzzer binary. Otherwise: the same entry point driven by
# a small main that feeds it every file of fuzz/corpus/<name>/ (the seeds and the
# crash regressions), registered as a CTest test, so regressions run in every build.
function(darkscope_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  if(DARKSCOPE_FUZZ)
    add_executable(fuzz_${name} ${ARG_SOURCES})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(fuzz_${name} ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/fuzz/standalone_main.cpp)
    if(DARKSCOPE_TESTS)
      add_test(NAME fuzz_regression.${name}
        COMMAND fuzz_${name} ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
    endif()
  endif()
  target_link_libraries(fuzz_${name} PRIVATE ${ARG_LIBS} darkscope_options)
endfunction()
