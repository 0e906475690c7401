# Platform/WASI.cmake — what CMake needs to know about wasm32-wasi as a
# target system; loaded because wasm32-wasi.cmake sets CMAKE_SYSTEM_NAME WASI.
# (CMake 3.25 ships no WASI platform; this one belongs to kiln.)
set(WASI 1)

set(CMAKE_EXECUTABLE_SUFFIX ".wasm")
set(CMAKE_STATIC_LIBRARY_PREFIX "lib")
set(CMAKE_STATIC_LIBRARY_SUFFIX ".a")
set(CMAKE_FIND_LIBRARY_PREFIXES "lib")
set(CMAKE_FIND_LIBRARY_SUFFIXES ".a")
# No dynamic linking in wasm32-wasi: add_library(... SHARED) is an error, and
# add_library without a type builds static libraries.
set_property(GLOBAL PROPERTY TARGET_SUPPORTS_SHARED_LIBS FALSE)

# Where find_library and find_path look: the sysroot of Debian's wasi-libc,
# not the host's prefixes.
set(CMAKE_SYSTEM_PREFIX_PATH "")
set(CMAKE_SYSTEM_LIBRARY_PATH "/usr/lib/wasm32-wasi")
set(CMAKE_SYSTEM_INCLUDE_PATH "/usr/include/wasm32-wasi")

# Objects are .o as on other Unix-like targets (CMake's fallback is .obj).
set(CMAKE_C_OUTPUT_EXTENSION ".o")
set(CMAKE_CXX_OUTPUT_EXTENSION ".o")
