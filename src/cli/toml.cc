// toml.cc — cli_toml_parse (toml.h): tomlplusplus's parser behind a C
// function, as wat.cc puts wabt behind one. The library is used header-only
// (TOML_HEADER_ONLY, its default), so kiln gains no run-time dependency;
// exceptions are off in it: errors come back as values.
#define TOML_EXCEPTIONS 0
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <string>
#include <string_view>

#include <toml++/toml.h>

extern "C" {
#include "cli/toml.h"
}

static char *dup_view(std::string_view s) {
    char *p = static_cast<char *>(malloc(s.size() + 1));
    if (!p) throw std::bad_alloc();
    memcpy(p, s.data(), s.size());
    p[s.size()] = 0;
    return p;
}

static void convert(const toml::node &n, cli_toml *out);

static void convert_items(size_t count, cli_toml *out) {
    out->items = static_cast<cli_toml *>(calloc(count ? count : 1, sizeof(cli_toml)));
    if (!out->items) throw std::bad_alloc();
}

static void convert(const toml::node &n, cli_toml *out) {
    out->line = static_cast<int>(n.source().begin.line);
    out->column = static_cast<int>(n.source().begin.column);
    if (const toml::table *t = n.as_table()) {
        out->type = CLI_TOML_TABLE;
        convert_items(t->size(), out);
        // tomlplusplus keeps a table's keys sorted; a schema check reads
        // them in any order, and messages name each item's own position.
        for (auto &&[k, v] : *t) {
            cli_toml *c = &out->items[out->nitems++];
            c->key = dup_view(k.str());
            convert(v, c);
            c->key_line = static_cast<int>(k.source().begin.line);
            c->key_column = static_cast<int>(k.source().begin.column);
        }
    } else if (const toml::array *a = n.as_array()) {
        out->type = CLI_TOML_ARRAY;
        convert_items(a->size(), out);
        for (const toml::node &v : *a) convert(v, &out->items[out->nitems++]);
    } else if (const auto *s = n.as_string()) {
        out->type = CLI_TOML_STRING;
        out->str = dup_view(s->get());
    } else if (const auto *i = n.as_integer()) {
        out->type = CLI_TOML_INT;
        out->i = i->get();
    } else if (const auto *f = n.as_floating_point()) {
        out->type = CLI_TOML_FLOAT;
        out->f = f->get();
    } else if (const auto *b = n.as_boolean()) {
        out->type = CLI_TOML_BOOL;
        out->b = b->get();
    } else {
        out->type = CLI_TOML_DATETIME;
        std::ostringstream os;
        if (const auto *d = n.as_date()) os << d->get();
        else if (const auto *t = n.as_time()) os << t->get();
        else if (const auto *dt = n.as_date_time()) os << dt->get();
        std::string text = os.str();
        out->str = dup_view(text);
    }
}

static void free_node(cli_toml *n) {
    for (size_t i = 0; i < n->nitems; i++) free_node(&n->items[i]);
    free(n->items);
    free(n->key);
    free(n->str);
}

extern "C" cli_toml *cli_toml_parse(const char *path, const char *text, size_t len, char *err, size_t errsize) {
    cli_toml *doc = nullptr;
    try {
        toml::parse_result r = toml::parse(std::string_view(text, len), std::string_view(path));
        if (!r) {
            const toml::parse_error &e = r.error();
            std::string msg(e.description());
            for (char &c : msg)
                if (c == '\n') c = ' ';
            snprintf(err, errsize, "%s:%u:%u: %s", path, e.source().begin.line, e.source().begin.column, msg.c_str());
            return nullptr;
        }
        doc = static_cast<cli_toml *>(calloc(1, sizeof *doc));
        if (!doc) throw std::bad_alloc();
        convert(r.table(), doc);
        doc->line = doc->column = 1;
        return doc;
    } catch (const std::bad_alloc &) {
        snprintf(err, errsize, "%s: out of memory", path);
    } catch (...) {
        snprintf(err, errsize, "%s: the TOML parser failed", path);
    }
    if (doc) cli_toml_free(doc);
    return nullptr;
}

extern "C" void cli_toml_free(cli_toml *doc) {
    if (!doc) return;
    free_node(doc);
    free(doc);
}

extern "C" const cli_toml *cli_toml_get(const cli_toml *table, const char *key) {
    if (!table || table->type != CLI_TOML_TABLE) return nullptr;
    for (size_t i = 0; i < table->nitems; i++)
        if (!strcmp(table->items[i].key, key)) return &table->items[i];
    return nullptr;
}

extern "C" const char *cli_toml_type_name(cli_toml_type t) {
    switch (t) {
    case CLI_TOML_TABLE: return "a table";
    case CLI_TOML_ARRAY: return "an array";
    case CLI_TOML_STRING: return "a string";
    case CLI_TOML_INT: return "an integer";
    case CLI_TOML_FLOAT: return "a float";
    case CLI_TOML_BOOL: return "a boolean";
    default: return "a date or time";
    }
}
