# wasm32-wasi.cmake — CMake toolchain file: builds a project for kiln
# (WebAssembly, WASI preview 1) with kiln-cc, kiln-c++ and kiln-ar.
#
#   cmake -S . -B build-wasm -DCMAKE_TOOLCHAIN_FILE=<kiln>/wasm32-wasi.cmake
#   cmake --build build-wasm
#
# <kiln> is the directory holding kiln-cc: the kiln source tree's tools/, or
# the build directory beside the kiln binary. Executables get the suffix
# .wasm; static libraries work; shared libraries do not exist in wasm32-wasi.
# Without CMAKE_BUILD_TYPE, kiln-cc's default optimisation (-O2) applies;
# Debug builds use -O0 -g. See docs/toolchain.md.

set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)

# Platform/WASI.cmake (beside this file) describes the platform to CMake.
list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}/cmake")

set(CMAKE_C_COMPILER "${CMAKE_CURRENT_LIST_DIR}/kiln-cc")
set(CMAKE_CXX_COMPILER "${CMAKE_CURRENT_LIST_DIR}/kiln-c++")
# GNU ar cannot index wasm objects and wasm-ld needs the index.
set(CMAKE_AR "${CMAKE_CURRENT_LIST_DIR}/kiln-ar" CACHE FILEPATH "archiver for wasm32 objects")
set(CMAKE_RANLIB "${CMAKE_CURRENT_LIST_DIR}/kiln-ranlib" CACHE FILEPATH "ranlib for wasm32 archives")

# kiln-cc adds -O2 when a command has no -O; Debug should stay unoptimised.
set(CMAKE_C_FLAGS_DEBUG_INIT "-O0")
set(CMAKE_CXX_FLAGS_DEBUG_INIT "-O0")

# Test programs cannot run on the build machine; try_run needs an emulator.
# If KILN_CMAKE_EMULATOR is set (say, to "node;<kiln>/tests/tools/node-wasi.mjs"),
# CMake uses it for try_run and add_test.
if(DEFINED ENV{KILN_CMAKE_EMULATOR})
  set(CMAKE_CROSSCOMPILING_EMULATOR "$ENV{KILN_CMAKE_EMULATOR}")
endif()

# Look for programs on the build machine, for libraries and headers in the
# WASI sysroot only (never the host's x86-64 libraries).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_LIBRARY_ARCHITECTURE wasm32-wasi)
