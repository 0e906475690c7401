/* stb_impl.c — the one translation unit that compiles the stb libraries
 * (Debian's libstb-dev headers), with the settings that make imgproc's output
 * the same bytes natively and in wasm32. */

/* stb_image picks SSE2 or NEON code paths by target, and the wasm build has
 * neither; the scalar paths everywhere keep native and wasm decodes identical. */
#define STBI_NO_SIMD
/* Only what imgproc reads: fewer code paths, a smaller module. */
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNM
/* The same limit as image_alloc, so a decoded image always fits wasm32. */
#define STBI_MAX_DIMENSIONS 32768
/* No file I/O inside stb: io.c reads whole inputs into memory (stdin too). */
#define STBI_NO_STDIO
#define STBI_WRITE_NO_STDIO

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION

/* Third-party code: keep our -Wall -Wextra -Werror for our own files only. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#endif
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
