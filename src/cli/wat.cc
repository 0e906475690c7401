// wat.cc — cli_wat_to_wasm (wat.h): wabt's text parser and binary writer
// behind a C function, so that `kiln run x.wat` needs no wat2wasm step.
// wabt is a C++ library: this is kiln's one C++ file, and kiln links
// libstdc++ statically (mk/wat.mk) so that `kiln run` loads no more shared
// libraries than before. Every proposal wabt knows is enabled here: kiln's
// own validator, which runs next on the bytes, decides what kiln accepts.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "wabt/binary-writer.h"
#include "wabt/error.h"
#include "wabt/feature.h"
#include "wabt/ir.h"
#include "wabt/stream.h"
#include "wabt/validator.h"
#include "wabt/wast-lexer.h"
#include "wabt/wast-parser.h"

extern "C" {
#include "cli/wat.h"
}

static void first_error(const wabt::Errors &errors, const char *filename, char *err, size_t errsize) {
    if (errors.empty()) {
        snprintf(err, errsize, "%s: not a valid text module", filename);
        return;
    }
    const wabt::Error &e = errors.front();
    std::string msg = e.message;
    for (char &c : msg)
        if (c == '\n') c = ' ';
    size_t more = errors.size() - 1;
    char tail[64] = "";
    if (more) snprintf(tail, sizeof tail, " (and %zu more error%s)", more, more == 1 ? "" : "s");
    snprintf(err, errsize, "%s:%d:%d: %s%s", filename, e.loc.line, e.loc.first_column, msg.c_str(), tail);
}

static unsigned char *assemble(const char *filename, const unsigned char *text, size_t len,
                               size_t *out_len, char *err, size_t errsize) {
    wabt::Errors errors;
    std::unique_ptr<wabt::WastLexer> lexer = wabt::WastLexer::CreateBufferLexer(filename, text, len, &errors);
    wabt::Features features;
    features.EnableAll();
    wabt::WastParseOptions parse_options(features);
    std::unique_ptr<wabt::Module> module;
    if (wabt::Failed(wabt::ParseWatModule(lexer.get(), &module, &errors, &parse_options)) ||
        wabt::Failed(wabt::ValidateModule(module.get(), &errors, wabt::ValidateOptions(features)))) {
        first_error(errors, filename, err, errsize);
        return nullptr;
    }
    wabt::MemoryStream stream;
    // Names go into the name section, so that traps name the text's $functions.
    wabt::WriteBinaryOptions write_options(features, true, false, true);
    if (wabt::Failed(wabt::WriteBinaryModule(&stream, module.get(), write_options))) {
        snprintf(err, errsize, "%s: cannot encode the module", filename);
        return nullptr;
    }
    const std::vector<uint8_t> &data = stream.output_buffer().data;
    unsigned char *out = static_cast<unsigned char *>(malloc(data.size() ? data.size() : 1));
    if (!out) {
        snprintf(err, errsize, "%s: out of memory", filename);
        return nullptr;
    }
    memcpy(out, data.data(), data.size());
    *out_len = data.size();
    return out;
}

extern "C" unsigned char *cli_wat_to_wasm(const char *filename, const unsigned char *text, size_t len,
                                          size_t *out_len, char *err, size_t errsize) {
    try {
        return assemble(filename, text, len, out_len, err, errsize);
    } catch (const std::bad_alloc &) {
        snprintf(err, errsize, "%s: out of memory", filename);
    } catch (...) {
        snprintf(err, errsize, "%s: the text parser failed", filename);
    }
    return nullptr;
}
